using FaceApi.Core.Detection;
using FaceApi.Core.Recognition;

namespace FaceApi.Core.Pipeline;

/// <summary>One face of an analysed image.</summary>
/// <param name="Detection">Where the face is; null when the image was an aligned crop.</param>
/// <param name="Embedding">Its embedding.</param>
public sealed record AnalyzedFace(DetectedFace? Detection, FaceEmbedding Embedding);
