namespace FaceApi.Contracts;

/// <summary>A point in image pixels.</summary>
/// <param name="X">Horizontal position, from the left edge.</param>
/// <param name="Y">Vertical position, from the top edge.</param>
public sealed record Point(float X, float Y);
