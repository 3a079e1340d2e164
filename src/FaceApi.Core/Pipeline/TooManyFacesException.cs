namespace FaceApi.Core.Pipeline;

/// <summary>
/// An image has more faces to embed than the batch queue can ever hold: retrying cannot help, so
/// this is the caller's to fix (ask for fewer with maxFaces).
/// </summary>
public sealed class TooManyFacesException(int faces, int capacity)
    : Exception($"The image has {faces} faces to embed; at most {capacity} fit in one request. Ask for fewer with maxFaces.");
