namespace FaceApi.Core.Pipeline;

/// <summary>What to do with one image.</summary>
/// <param name="Aligned">The image is already an aligned face crop: skip detection and embed it whole.</param>
/// <param name="MaxFaces">Embed at most this many faces, largest first; null embeds all.</param>
public sealed record AnalysisRequest(bool Aligned = false, int? MaxFaces = null);
