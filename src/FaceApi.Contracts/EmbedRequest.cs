namespace FaceApi.Contracts;

/// <summary>
/// The JSON body of <c>POST /embed</c>. The same field goes as a file part in
/// <c>multipart/form-data</c>, which saves base64's third.
/// </summary>
/// <param name="Image">The image bytes (JPEG, PNG, WebP, BMP, GIF, TIFF), base64 in JSON; a <c>data:</c> URL is accepted.</param>
public sealed record EmbedRequest(byte[] Image);
