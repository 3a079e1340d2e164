using SixLabors.ImageSharp;

namespace FaceApi.Core.Detection;

/// <summary>One detected face.</summary>
/// <param name="Box">The face box in source-image pixels.</param>
/// <param name="Score">Detector confidence, 0 to 1.</param>
/// <param name="Landmarks">Left eye, right eye, nose tip, left and right mouth corners, in source-image pixels.</param>
public sealed record DetectedFace(FaceBox Box, float Score, IReadOnlyList<PointF> Landmarks);
