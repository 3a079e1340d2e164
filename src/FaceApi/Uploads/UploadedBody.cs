using FaceApi.Hosting;

namespace FaceApi.Uploads;

/// <summary>
/// The images and embeddings a request carried, by field name. Images are slices of the body's buffer,
/// which this object owns with its share of the buffered-body budget; they stay valid until it is
/// disposed. The endpoints dispose it with the request's admission slot when the request is answered
/// (<see cref="AdmittedUpload"/>), so a body and its share are held through decoding, detection and
/// embedding, not only until its images are decoded. Giving the body back once its images are decoded
/// would let more bodies in while earlier ones are in inference; it needs the pipeline to say when
/// decoding is done, and is left for later.
/// </summary>
public sealed class UploadedBody(BufferedBodyReservation reservation) : IDisposable
{
    private byte[]? _buffer;

    public Dictionary<string, ReadOnlyMemory<byte>> Images { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, float[]> Embeddings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The body's share of the budget, grown while the body is read.</summary>
    internal BufferedBodyReservation Reservation { get; } = reservation;

    /// <summary>Takes ownership of the body's array, rented from <see cref="Reservation"/>.</summary>
    internal void Own(byte[] buffer) => _buffer = buffer;

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            Reservation.Return(buffer);
        }

        Reservation.Dispose();
    }
}
