namespace FaceApi.Uploads;

/// <summary>
/// The images and embeddings a request carried, by field name. Images are slices of pooled buffers
/// this object owns; they stay valid until it is disposed, so dispose it once the images are decoded.
/// </summary>
public sealed class UploadedBody : IDisposable
{
    private readonly List<byte[]> _rented = [];

    public Dictionary<string, ReadOnlyMemory<byte>> Images { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, float[]> Embeddings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Takes ownership of an array from <see cref="UploadBuffers.Rent"/>.</summary>
    internal void Own(byte[] rented) => _rented.Add(rented);

    public void Dispose()
    {
        foreach (var buffer in _rented)
        {
            UploadBuffers.Return(buffer);
        }

        _rented.Clear();
    }
}
