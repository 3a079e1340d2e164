namespace FaceApi.Core.Pipeline;

/// <summary>The result of analysing one image.</summary>
/// <param name="ImageWidth">Width after EXIF orientation.</param>
/// <param name="ImageHeight">Height after EXIF orientation.</param>
/// <param name="FacesFound">Faces the detector found, before any <see cref="AnalysisRequest.MaxFaces"/> cut.</param>
/// <param name="Faces">The embedded faces, largest first.</param>
public sealed record FaceAnalysis(int ImageWidth, int ImageHeight, int FacesFound, IReadOnlyList<AnalyzedFace> Faces);
