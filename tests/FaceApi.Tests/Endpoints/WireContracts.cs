namespace FaceApi.Tests.Endpoints;

// The response bodies as issue 3 documents them, written independently of the host's contract types
// so that a renamed or missing field fails the tests (WireJson requires every constructor parameter).

internal sealed record EmbedResult(string Model, int Dimension, int ImageWidth, int ImageHeight, EmbedFace[] Faces);

internal sealed record EmbedFace(WireBox Box, float? Score, WirePoint[]? Landmarks, float[] Embedding, float Norm);

internal sealed record VerifyResult(bool Match, float Similarity, float Threshold, string Model, VerifyFace? Face1, VerifyFace? Face2);

internal sealed record VerifyFace(WireBox Box, float Score, WirePoint[] Landmarks, int FacesFound);

internal sealed record WireBox(float X, float Y, float Width, float Height);

internal sealed record WirePoint(float X, float Y);
