namespace FaceApi.Contracts;

/// <summary>A face box: top-left corner and size, in image pixels.</summary>
/// <param name="X">Left edge.</param>
/// <param name="Y">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
public sealed record FaceBox(float X, float Y, float Width, float Height);
