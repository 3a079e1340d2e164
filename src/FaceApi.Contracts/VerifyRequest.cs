namespace FaceApi.Contracts;

/// <summary>
/// The JSON body of <c>POST /verify</c>: each side is either an image or a stored embedding, never
/// both. In <c>multipart/form-data</c> images go as file parts and embeddings as JSON-array text fields.
/// </summary>
/// <param name="Image1">Side 1 as image bytes, base64 in JSON.</param>
/// <param name="Image2">Side 2 as image bytes, base64 in JSON.</param>
/// <param name="Embedding1">Side 1 as a stored embedding, e.g. kept from an earlier /embed at enrolment.</param>
/// <param name="Embedding2">Side 2 as a stored embedding.</param>
public sealed record VerifyRequest(byte[]? Image1 = null, byte[]? Image2 = null, float[]? Embedding1 = null, float[]? Embedding2 = null);
