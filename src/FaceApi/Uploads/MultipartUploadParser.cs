using FaceApi.Errors;
using FaceApi.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FaceApi.Uploads;

/// <summary>
/// Reads a <c>multipart/form-data</c> body (already in memory) section by section with
/// <see cref="MultipartReader"/>. Every section is bounded by what its field can legitimately hold
/// (an image: the per-image limit; an embedding: its longest text) and kept in pooled memory:
/// ASP.NET Core's form reader spooled file sections past its buffer threshold to an
/// <c>ASPNETCORE_*.tmp</c> file, and applied no length limit to text sections (issue 13).
/// </summary>
internal static class MultipartUploadParser
{
    // A request here has at most four fields; a few more are tolerated (clients add their own), and
    // past this a body of thousands of empty sections is refused rather than walked.
    private const int MaxSections = 16;

    // RFC 2046 §5.1.1: a boundary is 1 to 70 characters.
    private const int MaxBoundaryLength = 70;

    public static async Task ParseAsync(
        byte[] buffer,
        int length,
        string? boundary,
        UploadBodyMetadata shape,
        UploadLimits limits,
        UploadedBody body,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(boundary) || boundary.Length > MaxBoundaryLength)
        {
            throw ApiProblemException.InvalidRequest("The multipart/form-data Content-Type needs a boundary of 1 to 70 characters.");
        }

        using var stream = new MemoryStream(buffer, 0, length, writable: false);
        var reader = new MultipartReader(boundary, stream);
        var sections = 0;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (++sections > MaxSections)
                {
                    throw ApiProblemException.InvalidRequest($"The multipart body has more than {MaxSections} parts.");
                }

                // Sections that are not a named form field, or name no field of this endpoint, are
                // skipped: the reader drains them when it moves to the next section.
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    || !disposition.IsFormDisposition() && !disposition.IsFileDisposition()
                    || shape.Match(HeaderUtilities.RemoveQuotes(disposition.Name).ToString()) is not { } field)
                {
                    continue;
                }

                if (shape.IsImageField(field))
                {
                    body.Images[field] = await ReadSectionAsync(section, limits.MaxImageBytes, body, () => UploadProblems.ImageTooLarge(field, limits.MaxImageBytes), cancellationToken);
                    continue;
                }

                var text = await ReadSectionAsync(section, limits.MaxEmbeddingTextBytes, body, () => ApiProblemException.InvalidRequest(
                    $"'{field}' is longer than an embedding of {limits.EmbeddingSize} values can be written."), cancellationToken);
                // An empty field is "not sent": browser forms and Swagger UI send every field of the form.
                if (!text.Span.Trim(" \t\r\n"u8).IsEmpty)
                {
                    body.Embeddings[field] = EmbeddingReader.ReadText(text.Span, field, limits.EmbeddingSize);
                }
            }
        }
        catch (IOException)
        {
            // The body is in memory, so this is not the network: the content ended before the closing
            // boundary (a truncated upload), which MultipartReader reports as an IOException.
            throw ApiProblemException.InvalidRequest("The multipart body ends before its closing boundary.");
        }
    }

    // Reads one section into a pooled buffer that the body owns; at most `limit` bytes.
    private static async Task<ReadOnlyMemory<byte>> ReadSectionAsync(
        MultipartSection section,
        long limit,
        UploadedBody body,
        Func<ApiProblemException> tooLarge,
        CancellationToken cancellationToken)
    {
        var (buffer, length) = await PooledStreamReader.ReadAsync(section.Body, limit, expectedLength: null, tooLarge, cancellationToken);
        body.Own(buffer);
        return buffer.AsMemory(0, length);
    }
}
