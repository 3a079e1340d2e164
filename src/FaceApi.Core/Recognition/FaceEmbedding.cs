namespace FaceApi.Core.Recognition;

/// <summary>A face embedding.</summary>
/// <param name="Vector">The L2-normalised embedding.</param>
/// <param name="Norm">
/// The L2 norm of the model's raw output before normalisation. ArcFace-style models give small
/// norms to blurred, occluded or non-face crops, so it is a useful quality signal.
/// </param>
public sealed record FaceEmbedding(float[] Vector, float Norm);
