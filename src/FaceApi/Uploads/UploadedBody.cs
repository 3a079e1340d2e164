namespace FaceApi.Uploads;

/// <summary>The images and embeddings a request carried, by field name.</summary>
public sealed class UploadedBody
{
    public Dictionary<string, ReadOnlyMemory<byte>> Images { get; } = new(StringComparer.OrdinalIgnoreCase);

    public Dictionary<string, float[]> Embeddings { get; } = new(StringComparer.OrdinalIgnoreCase);
}
