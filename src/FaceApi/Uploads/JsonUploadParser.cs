using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using FaceApi.Errors;
using FaceApi.Hosting;
using FaceApi.OpenApi;

namespace FaceApi.Uploads;

/// <summary>
/// Reads an <c>application/json</c> body (already in memory) with a forward-only
/// <see cref="Utf8JsonReader"/>: base64 images are decoded in place inside the body's own buffer,
/// embeddings are counted as they are read, and unknown fields are skipped token by token without
/// being materialised (an unknown 26-million-number array cost 840 MB as a JsonDocument).
/// </summary>
internal static class JsonUploadParser
{
    // Field names here are at most 10 characters; longer property names cannot match and are not
    // turned into strings, however long an attacker makes them.
    private const int LongestFieldName = 32;

    public static void Parse(Span<byte> json, ReadOnlyMemory<byte> jsonMemory, UploadBodyMetadata shape, UploadLimits limits, UploadedBody body)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw ApiProblemException.InvalidRequest("The JSON body must be an object.");
            }

            Span<byte> name = stackalloc byte[LongestFieldName];
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = reader.ValueSpan.Length <= LongestFieldName ? shape.Match(name[..CopyText(ref reader, name)]) : null;
                reader.Read();
                if (field is null || reader.TokenType == JsonTokenType.Null)
                {
                    reader.Skip();
                }
                else if (shape.IsImageField(field))
                {
                    body.Images[field] = DecodeBase64InPlace(ref reader, json, jsonMemory, field, limits, body.Reservation);
                }
                else
                {
                    body.Embeddings[field] = EmbeddingReader.Read(ref reader, field, limits.EmbeddingSize);
                }
            }

            // Anything after the object (a second value, stray characters) is malformed JSON.
            if (reader.Read())
            {
                throw ApiProblemException.InvalidRequest("The JSON body must be one object.");
            }
        }
        catch (JsonException)
        {
            throw ApiProblemException.InvalidRequest("The JSON body is malformed.");
        }
    }

    // Base64 takes 4 bytes for every 3 it carries, so the decoded image fits where its text was:
    // decoding in place costs no second buffer. Text with escapes is unescaped through one, from the
    // body's share of the budget like the body itself: a string of "\/" escapes made an uncounted copy
    // as large as the body (an attacking session: out-of-memory failures under a heap limit that start-up
    // accepts, in 4 of 5 runs of nine 57 MB /verify bodies against none unescaped). The copy holds at most
    // what an image within the limit can unescape to, its base64 and a data URL's prefix (which the
    // envelope allows for): longer text is too large whatever it holds, and is refused as such rather
    // than for want of budget.
    private static ReadOnlyMemory<byte> DecodeBase64InPlace(
        ref Utf8JsonReader reader, Span<byte> json, ReadOnlyMemory<byte> jsonMemory, string field, UploadLimits limits, BufferedBodyReservation reservation)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw ApiProblemException.InvalidRequest($"'{field}' must be a base64 string.");
        }

        // The string's characters start one past its opening quote.
        var start = (int)reader.TokenStartIndex + 1;
        var text = json.Slice(start, reader.ValueSpan.Length);
        if (reader.ValueIsEscaped)
        {
            // Some encoders escape '/' as "\/" (PHP's json_encode does); unescaped text is never longer.
            var longest = (int)Math.Min(text.Length, limits.MaxBase64ImageBytes + UploadLimits.EnvelopeBytes);
            var unescaped = reservation.Rent(longest);
            try
            {
                var length = CopyText(ref reader, unescaped.AsSpan(0, longest));
                unescaped.AsSpan(0, length).CopyTo(text);
                text = text[..length];
            }
            catch (ArgumentException)
            {
                // Utf8JsonReader.CopyString: the unescaped text does not fit in what any image within the limit takes.
                throw UploadProblems.ImageTooLarge(field, limits.MaxImageBytes);
            }
            finally
            {
                reservation.Return(unescaped);
            }
        }

        // Browsers produce data URLs (FileReader.readAsDataURL); accept them as they are.
        if (text.Length >= 5 && System.Text.Ascii.EqualsIgnoreCase(text[..5], "data:"u8))
        {
            var comma = text.IndexOf((byte)',');
            start += comma < 0 ? text.Length : comma + 1;
            text = comma < 0 ? [] : text[(comma + 1)..];
        }

        if ((long)text.Length / 4 * 3 > limits.MaxImageBytes + 3L)
        {
            throw UploadProblems.ImageTooLarge(field, limits.MaxImageBytes);
        }

        if (Base64.DecodeFromUtf8InPlace(text, out var written) != OperationStatus.Done)
        {
            throw ApiProblemException.InvalidRequest($"'{field}' is not valid base64.");
        }

        return jsonMemory.Slice(start, written);
    }

    // Utf8JsonReader checks a string's quotes and escapes, not what they spell: a lone surrogate escape
    // ("\udc00") or a byte that is not UTF-8 inside a string surfaces only when the string is copied out,
    // as InvalidOperationException, not JsonException.
    private static int CopyText(ref Utf8JsonReader reader, scoped Span<byte> destination)
    {
        try
        {
            return reader.CopyString(destination);
        }
        catch (InvalidOperationException)
        {
            throw ApiProblemException.InvalidRequest("The JSON body is malformed: a string is not valid UTF-8 or UTF-16.");
        }
    }
}
