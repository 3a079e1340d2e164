using System.Text.Json.Serialization;

namespace FaceApi.Testing;

/// <summary>The contents of ../shared/testdata/faces.json: labelled photos with reference detections.</summary>
/// <param name="About">How the labels and reference detections were made.</param>
/// <param name="Images">Every labelled photo.</param>
public sealed record FacesManifest(string About, IReadOnlyList<LabelledImage> Images);

/// <summary>One photo of faces.json.</summary>
/// <param name="File">Path relative to the test data folder, e.g. "faces/obama.jpg".</param>
/// <param name="Person">Who the largest face belongs to; null when the photo shows several people.</param>
/// <param name="Faces">How many faces the photo shows.</param>
/// <param name="Reference">Reference detections, largest box first.</param>
public sealed record LabelledImage(string File, string? Person, int Faces, IReadOnlyList<ReferenceFace> Reference);

/// <summary>
/// One detection from an independent implementation of InsightFace's SCRFD recipe
/// (SCRFD-2.5G at 640x640 letterbox, score at least 0.5, NMS IoU 0.4), in source pixels.
/// </summary>
/// <param name="Box">x1, y1, x2, y2.</param>
/// <param name="Score">Detector confidence.</param>
/// <param name="Landmarks">Five landmarks as [x, y] ("kps" in the file): left eye, right eye, nose, left mouth corner, right mouth corner.</param>
public sealed record ReferenceFace(float[] Box, float Score, [property: JsonPropertyName("kps")] float[][] Landmarks);
