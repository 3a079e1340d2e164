namespace FaceApi.Contracts;

/// <summary>JSON body of <c>POST /verify</c>: each side is an image or a stored embedding.</summary>
/// <param name="Image1">First image, base64.</param>
/// <param name="Image2">Second image, base64.</param>
/// <param name="Embedding1">First side as a stored embedding instead of an image.</param>
/// <param name="Embedding2">Second side as a stored embedding instead of an image.</param>
public sealed record VerifyJsonRequest(string? Image1, string? Image2, float[]? Embedding1, float[]? Embedding2);
