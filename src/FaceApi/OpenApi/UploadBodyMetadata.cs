namespace FaceApi.OpenApi;

/// <summary>
/// Endpoint metadata naming the image and embedding fields its body carries. Handlers read the body
/// themselves (several content types), so this is what tells the OpenAPI document and the upload
/// reader about it.
/// </summary>
public sealed record UploadBodyMetadata(IReadOnlyList<string> ImageFields, IReadOnlyList<string> EmbeddingFields)
{
    /// <summary>
    /// An endpoint that takes exactly one image and nothing else also takes that image as the whole
    /// body (<c>Content-Type: image/jpeg</c> and the like), with no multipart or base64 around it.
    /// </summary>
    public bool AcceptsRawImage => ImageFields.Count == 1 && EmbeddingFields.Count == 0;

    /// <summary>The field <paramref name="name"/> names (field names are case-insensitive), or null for an unknown field.</summary>
    public string? Match(string name) =>
        ImageFields.FirstOrDefault(field => field.Equals(name, StringComparison.OrdinalIgnoreCase))
        ?? EmbeddingFields.FirstOrDefault(field => field.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when <paramref name="field"/> (as <see cref="Match"/> returns it) is an image field.</summary>
    public bool IsImageField(string field) => ImageFields.Contains(field);
}
