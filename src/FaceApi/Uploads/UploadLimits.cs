namespace FaceApi.Uploads;

/// <summary>
/// What one upload endpoint can legitimately be sent, from the per-image limit and the model's
/// embedding length: a body larger than that is refused before it is read, and a field larger than
/// its share is refused as soon as it is seen.
/// </summary>
/// <param name="MaxImageBytes">The per-image limit (<c>FaceApi:Limits:MaxEncodedBytes</c>).</param>
/// <param name="EmbeddingSize">The loaded recognition model's embedding length.</param>
public sealed record UploadLimits(int MaxImageBytes, int EmbeddingSize)
{
    /// <summary>Room for multipart boundaries and part headers, JSON punctuation and small unknown fields.</summary>
    public const long EnvelopeBytes = 64 * 1024;

    // An embedding value as text: "-1.23456789E-05" is 15 characters (float's round-trip form, "R"),
    // plus a separator and indentation of pretty-printed JSON; 32 leaves room for both.
    private const int BytesPerEmbeddingValue = 32;

    /// <summary>The longest text an embedding of <see cref="EmbeddingSize"/> values can take, brackets included.</summary>
    public long MaxEmbeddingTextBytes => ((long)EmbeddingSize * BytesPerEmbeddingValue) + 64;

    /// <summary>Base64 length of an image at the limit: 4 characters for every 3 bytes (RFC 4648 §4).</summary>
    public long MaxBase64ImageBytes => ((long)MaxImageBytes + 2) / 3 * 4;

    /// <summary>
    /// <see cref="MaxBase64ImageBytes"/> as a JSON string may carry it: some encoders escape '/' as "\/"
    /// (PHP's json_encode does), and '/' is one of base64's 64 characters, so on average 1.6% longer;
    /// 2% allows for it.
    /// </summary>
    public long MaxJsonImageBytes => MaxBase64ImageBytes * 102 / 100;

    /// <summary>
    /// The largest body of <paramref name="format"/> an endpoint with <paramref name="imageFields"/> image
    /// fields takes: its images at the limit, plus the envelope. A side sent as an embedding instead of
    /// an image carries far less (<see cref="MaxEmbeddingTextBytes"/>), so the images bound it too.
    /// </summary>
    public long MaxBodyBytes(BodyFormat format, int imageFields) => format switch
    {
        BodyFormat.RawImage => MaxImageBytes,
        BodyFormat.Multipart => (imageFields * (long)MaxImageBytes) + EnvelopeBytes,
        _ => (imageFields * MaxJsonImageBytes) + EnvelopeBytes,
    };
}
