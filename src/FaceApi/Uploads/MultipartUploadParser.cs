using FaceApi.Errors;
using FaceApi.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace FaceApi.Uploads;

/// <summary>
/// Reads a <c>multipart/form-data</c> body (already in memory) section by section with
/// <see cref="MultipartReader"/>. Every section is bounded by what its field can legitimately hold
/// (an image: the per-image limit; an embedding: its longest text) and taken as a slice of the body's
/// buffer, never copied: ASP.NET Core's form reader spooled file sections past its buffer threshold to
/// an <c>ASPNETCORE_*.tmp</c> file, and applied no length limit to text sections (issue 13).
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
                    body.Images[field] = await SliceSectionAsync(section, buffer, limits.MaxImageBytes, () => UploadProblems.ImageTooLarge(field, limits.MaxImageBytes), cancellationToken);
                    continue;
                }

                var text = await SliceSectionAsync(section, buffer, limits.MaxEmbeddingTextBytes, () => ApiProblemException.InvalidRequest(
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

    // One section's content as a slice of the body's buffer. The body is a seekable MemoryStream over
    // that buffer, so MultipartReader knows where the section starts; reading it to the next boundary
    // tells where it ends (as ASP.NET Core's FormFeature does for buffered bodies).
    private static async Task<ReadOnlyMemory<byte>> SliceSectionAsync(
        MultipartSection section,
        byte[] buffer,
        long limit,
        Func<ApiProblemException> tooLarge,
        CancellationToken cancellationToken)
    {
        var start = section.BaseStreamOffset!.Value;
        await section.Body.DrainAsync(cancellationToken);
        var length = section.Body.Length;
        if (length > limit)
        {
            throw tooLarge();
        }

        return buffer.AsMemory((int)start, (int)length);
    }
}
