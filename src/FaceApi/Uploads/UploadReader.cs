using FaceApi.Contracts;
using FaceApi.Errors;
using FaceApi.Hosting;
using FaceApi.OpenApi;
using Microsoft.Net.Http.Headers;

namespace FaceApi.Uploads;

/// <summary>
/// Reads the body shapes the upload endpoints accept: <c>multipart/form-data</c> with image files
/// (and embeddings as JSON-array text fields), <c>application/json</c> with base64 images and
/// embedding arrays, and, for one-image endpoints, the image itself as the body. The whole body is
/// read first, within the limit its shape can legitimately need (<see cref="UploadLimits"/>), within
/// <see cref="UploadOptions.BodyReadTimeout"/> and within the bytes all bodies may hold at once
/// (<see cref="BufferedBodyBudget"/>), then parsed in memory. Unknown fields are skipped; malformed
/// ones are client errors.
/// </summary>
public static class UploadReader
{
    /// <summary>
    /// The media types a raw image body may declare: the formats the decoder reads (ImageDecoder), plus
    /// the generic type of "some bytes" that HTTP clients send when they do not know.
    /// </summary>
    public static readonly IReadOnlyList<string> RawImageTypes =
        ["image/jpeg", "image/png", "image/webp", "image/bmp", "image/gif", "image/tiff", "application/octet-stream"];

    /// <summary>Reads the fields <paramref name="shape"/> names; the caller disposes the result once it no longer needs its images.</summary>
    /// <exception cref="Core.Batching.QueueFullException"><paramref name="bodyBudget"/> has no room for the body.</exception>
    public static async Task<UploadedBody> ReadAsync(
        HttpRequest request,
        UploadBodyMetadata shape,
        UploadLimits limits,
        TimeSpan bodyReadTimeout,
        BufferedBodyBudget bodyBudget,
        CancellationToken cancellationToken)
    {
        MediaTypeHeaderValue.TryParse(request.ContentType, out var media);
        var format = FormatOf(media, shape);
        var maxBody = limits.MaxBodyBytes(format, shape.ImageFields.Count);
        Func<ApiProblemException> tooLarge = format == BodyFormat.RawImage
            ? () => UploadProblems.ImageTooLarge(shape.ImageFields[0], limits.MaxImageBytes)
            : () => UploadProblems.BodyTooLarge(maxBody);

        // The body holds its reservation from the first byte, so every way out of here gives it back.
        var body = new UploadedBody(bodyBudget.Open());
        try
        {
            var (buffer, length) = await RequestBodyReader.ReadAsync(request, maxBody, bodyReadTimeout, body.Reservation, tooLarge, cancellationToken);
            body.Own(buffer);
            switch (format)
            {
                case BodyFormat.RawImage when length == 0:
                    throw ApiProblemException.InvalidRequest("The request body is empty; send the image as the body.");
                case BodyFormat.RawImage:
                    body.Images[shape.ImageFields[0]] = buffer.AsMemory(0, length);
                    break;
                case BodyFormat.Json:
                    JsonUploadParser.Parse(buffer.AsSpan(0, length), buffer.AsMemory(0, length), shape, limits, body);
                    break;
                default:
                    await MultipartUploadParser.ParseAsync(buffer, length, HeaderUtilities.RemoveQuotes(media!.Boundary).ToString(), shape, limits, body, cancellationToken);
                    break;
            }

            return body;
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    private static BodyFormat FormatOf(MediaTypeHeaderValue? media, UploadBodyMetadata shape)
    {
        var type = media?.MediaType.Value;
        if ("multipart/form-data".Equals(type, StringComparison.OrdinalIgnoreCase))
        {
            return BodyFormat.Multipart;
        }

        // application/json and any +json type (RFC 6839 §3.1), as ASP.NET Core's HasJsonContentType accepts.
        if (media is not null && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)))
        {
            return BodyFormat.Json;
        }

        if (shape.AcceptsRawImage && RawImageTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
        {
            return BodyFormat.RawImage;
        }

        var accepted = shape.AcceptsRawImage
            ? $"multipart/form-data (field {shape.ImageFields[0]}), application/json with a base64 image, or the image itself ({string.Join(", ", RawImageTypes)})"
            : $"multipart/form-data (fields {string.Join(", ", shape.ImageFields.Concat(shape.EmbeddingFields))}) or application/json with base64 images";
        throw new ApiProblemException(
            StatusCodes.Status415UnsupportedMediaType,
            ProblemCode.UnsupportedMediaType,
            $"Send {accepted}; got '{type ?? "no content type"}'.");
    }
}
