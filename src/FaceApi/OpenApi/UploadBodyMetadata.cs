namespace FaceApi.OpenApi;

/// <summary>
/// Endpoint metadata naming the image and embedding fields its body carries. Handlers read the body
/// themselves (two content types), so this is what tells the OpenAPI document about it.
/// </summary>
public sealed record UploadBodyMetadata(IReadOnlyList<string> ImageFields, IReadOnlyList<string> EmbeddingFields);
