namespace FaceApi.Contracts;

/// <summary>JSON body of <c>POST /embed</c>.</summary>
/// <param name="Image">The image, base64 (a <c>data:</c> URL prefix is accepted).</param>
public sealed record EmbedJsonRequest(string Image);
