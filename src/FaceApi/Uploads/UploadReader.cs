using System.Text.Json;
using FaceApi.Errors;
using Microsoft.Net.Http.Headers;

namespace FaceApi.Uploads;

/// <summary>
/// Reads the two body shapes every endpoint accepts: <c>multipart/form-data</c> with image files
/// (and embeddings as JSON-array text fields), or <c>application/json</c> with base64 images and
/// embedding arrays. Unknown fields are ignored; malformed ones are client errors.
/// </summary>
public static class UploadReader
{
    /// <summary>Reads the fields named in <paramref name="imageFields"/> and <paramref name="embeddingFields"/>.</summary>
    public static async Task<UploadedBody> ReadAsync(
        HttpRequest request,
        IReadOnlyCollection<string> imageFields,
        IReadOnlyCollection<string> embeddingFields,
        int maxImageBytes,
        CancellationToken cancellationToken)
    {
        if (request.HasFormContentType && MediaTypeHeaderValue.TryParse(request.ContentType, out var media)
            && media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return await ReadMultipartAsync(request, imageFields, embeddingFields, maxImageBytes, cancellationToken);
        }

        if (request.HasJsonContentType())
        {
            return await ReadJsonAsync(request, imageFields, embeddingFields, maxImageBytes, cancellationToken);
        }

        throw new ApiProblemException(
            StatusCodes.Status415UnsupportedMediaType,
            ProblemCode.UnsupportedMediaType,
            $"Send multipart/form-data (fields {string.Join(", ", imageFields)}) or application/json with base64 images; got '{request.ContentType ?? "no content type"}'.");
    }

    private static async Task<UploadedBody> ReadMultipartAsync(
        HttpRequest request,
        IReadOnlyCollection<string> imageFields,
        IReadOnlyCollection<string> embeddingFields,
        int maxImageBytes,
        CancellationToken cancellationToken)
    {
        var form = await request.ReadFormAsync(cancellationToken);
        var body = new UploadedBody();
        foreach (var name in imageFields)
        {
            if (form.Files.GetFile(name) is not { } file)
            {
                continue;
            }

            if (file.Length > maxImageBytes)
            {
                throw ImageTooLarge(name, maxImageBytes);
            }

            var bytes = new byte[file.Length];
            await using var stream = file.OpenReadStream();
            await stream.ReadExactlyAsync(bytes, cancellationToken);
            body.Images[name] = bytes;
        }

        foreach (var name in embeddingFields)
        {
            if (form.TryGetValue(name, out var text) && !string.IsNullOrWhiteSpace(text))
            {
                body.Embeddings[name] = ParseEmbeddingText(name, text.ToString());
            }
        }

        return body;
    }

    private static async Task<UploadedBody> ReadJsonAsync(
        HttpRequest request,
        IReadOnlyCollection<string> imageFields,
        IReadOnlyCollection<string> embeddingFields,
        int maxImageBytes,
        CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw ApiProblemException.InvalidRequest("The JSON body must be an object.");
        }

        var body = new UploadedBody();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (imageFields.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
            {
                body.Images[property.Name] = DecodeBase64(property, maxImageBytes);
            }
            else if (embeddingFields.Contains(property.Name, StringComparer.OrdinalIgnoreCase))
            {
                body.Embeddings[property.Name] = ParseEmbedding(property.Name, property.Value);
            }
        }

        return body;
    }

    private static byte[] DecodeBase64(JsonProperty property, int maxImageBytes)
    {
        if (property.Value.ValueKind != JsonValueKind.String)
        {
            throw ApiProblemException.InvalidRequest($"'{property.Name}' must be a base64 string.");
        }

        var text = property.Value.GetString()!;
        // Browsers produce data URLs (FileReader.readAsDataURL); accept them as they are.
        if (text.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = text.IndexOf(',', StringComparison.Ordinal);
            text = comma < 0 ? string.Empty : text[(comma + 1)..];
        }

        // Base64 carries 3 bytes in every 4 characters.
        if ((long)text.Length / 4 * 3 > maxImageBytes + 3)
        {
            throw ImageTooLarge(property.Name, maxImageBytes);
        }

        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw ApiProblemException.InvalidRequest($"'{property.Name}' is not valid base64.");
        }
    }

    private static float[] ParseEmbeddingText(string name, string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return ParseEmbedding(name, document.RootElement);
        }
        catch (JsonException)
        {
            throw ApiProblemException.InvalidRequest($"'{name}' must be a JSON array of numbers.");
        }
    }

    private static float[] ParseEmbedding(string name, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw ApiProblemException.InvalidRequest($"'{name}' must be an array of numbers.");
        }

        var values = new float[element.GetArrayLength()];
        var i = 0;
        foreach (var item in element.EnumerateArray())
        {
            // JSON has no NaN or Infinity literals, but numbers beyond float range overflow to infinity.
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetSingle(out var value) || !float.IsFinite(value))
            {
                throw ApiProblemException.InvalidRequest($"'{name}' must contain only finite numbers.");
            }

            values[i++] = value;
        }

        return values;
    }

    private static ApiProblemException ImageTooLarge(string field, int maxImageBytes) => new(
        StatusCodes.Status413PayloadTooLarge,
        ProblemCode.ImageTooLarge,
        $"'{field}' is larger than the {maxImageBytes / (1024 * 1024)} MiB this service accepts per image.");
}
