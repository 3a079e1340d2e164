namespace FaceApi.Contracts;

/// <summary>The faces of one image with their embeddings.</summary>
/// <param name="Model">Recognition model name, e.g. w600k_r50.</param>
/// <param name="Dimension">Embedding length.</param>
/// <param name="ImageWidth">Image width in pixels, after EXIF orientation.</param>
/// <param name="ImageHeight">Image height in pixels, after EXIF orientation.</param>
/// <param name="Faces">Faces, largest first.</param>
public sealed record EmbedResponse(string Model, int Dimension, int ImageWidth, int ImageHeight, IReadOnlyList<EmbeddedFace> Faces);

/// <summary>One face and its embedding.</summary>
/// <param name="Box">Face box in image pixels (the whole image for an aligned crop).</param>
/// <param name="Score">Detector confidence 0–1; null for an aligned crop.</param>
/// <param name="Landmarks">Left eye, right eye, nose, left and right mouth corners; null for an aligned crop.</param>
/// <param name="Embedding">L2-normalised embedding: compare two with a dot product (cosine similarity).</param>
/// <param name="Norm">Norm of the raw model output; low values suggest a blurred or non-face crop.</param>
public sealed record EmbeddedFace(FaceBox Box, float? Score, IReadOnlyList<Point>? Landmarks, float[] Embedding, float Norm);
