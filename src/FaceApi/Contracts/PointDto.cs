using SixLabors.ImageSharp;

namespace FaceApi.Contracts;

/// <summary>A point in image pixels.</summary>
public sealed record PointDto(float X, float Y)
{
    public static IReadOnlyList<PointDto> From(IReadOnlyList<PointF> points) => points.Select(p => new PointDto(p.X, p.Y)).ToArray();
}
