using FaceApi.Hosting;

namespace FaceApi.Uploads;

/// <summary>
/// The images and embeddings a request carried, by field name. Images are slices of the body's buffer,
/// which this object owns with its share of the buffered-body budget; they stay valid until it is
/// disposed, so dispose it once the images are decoded.
/// </summary>
public sealed class UploadedBody(BufferedBodyReservation reservation) : IDisposable
{
    private byte[]? _buffer;

    public Dictionary<string, ReadOnlyMemory<byte>> Images { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, float[]> Embeddings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The body's share of the budget, grown while the body is read.</summary>
    internal BufferedBodyReservation Reservation { get; } = reservation;

    /// <summary>Takes ownership of the body's array from <see cref="UploadBuffers.Rent"/>.</summary>
    internal void Own(byte[] buffer) => _buffer = buffer;

    public void Dispose()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            UploadBuffers.Return(buffer);
        }

        Reservation.Dispose();
    }
}
