using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace FaceApi.Tests.Endpoints;

/// <summary>Request bodies in the two shapes the endpoints accept.</summary>
internal static class UploadContent
{
    /// <summary>multipart/form-data with each image as a file part, as a browser form or curl -F sends it.</summary>
    public static MultipartFormDataContent Multipart(params (string Field, byte[] Bytes)[] files)
    {
        var content = new MultipartFormDataContent();
        foreach (var (field, bytes) in files)
        {
            var part = new ByteArrayContent(bytes);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Add(part, field, $"{field}.bin");
        }

        return content;
    }

    /// <summary>Adds a text field, as multipart clients send stored embeddings.</summary>
    public static MultipartFormDataContent WithText(this MultipartFormDataContent content, string field, string text)
    {
        content.Add(new StringContent(text), field);
        return content;
    }

    /// <summary>application/json; byte arrays become base64 strings, as System.Text.Json writes them.</summary>
    public static JsonContent Json(object body) => JsonContent.Create(body);

    /// <summary>The image itself as the body, as <c>curl --data-binary @photo.jpg -H 'Content-Type: image/jpeg'</c> sends it.</summary>
    public static ByteArrayContent Raw(byte[] image, string mediaType)
    {
        var content = new ByteArrayContent(image);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }

    /// <summary>The image media type of a test photo, from its extension.</summary>
    public static string ImageMediaType(string file) => Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        var other => throw new ArgumentException($"No image media type for '{other}'.", nameof(file)),
    };

    /// <summary>An embedding as multipart text: a JSON array, invariant culture.</summary>
    public static string EmbeddingText(IEnumerable<float> values) =>
        "[" + string.Join(",", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
