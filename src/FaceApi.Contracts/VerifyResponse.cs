namespace FaceApi.Contracts;

/// <summary>Whether two faces are the same person.</summary>
/// <param name="Match">True when <paramref name="Similarity"/> is at least <paramref name="Threshold"/>.</param>
/// <param name="Similarity">Cosine similarity of the two embeddings, −1 to 1.</param>
/// <param name="Threshold">The decision threshold used.</param>
/// <param name="Model">Recognition model name.</param>
/// <param name="Face1">The face used from image1; null when side 1 was an embedding.</param>
/// <param name="Face2">The face used from image2; null when side 2 was an embedding.</param>
public sealed record VerifyResponse(bool Match, float Similarity, float Threshold, string Model, VerifiedFace? Face1, VerifiedFace? Face2);

/// <summary>The largest face of a verified image.</summary>
/// <param name="Box">Face box in image pixels.</param>
/// <param name="Score">Detector confidence 0–1.</param>
/// <param name="Landmarks">Five landmarks.</param>
/// <param name="FacesFound">Faces found in the image; the largest was used.</param>
public sealed record VerifiedFace(FaceBox Box, float Score, IReadOnlyList<Point> Landmarks, int FacesFound);
