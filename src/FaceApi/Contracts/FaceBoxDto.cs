using FaceApi.Core.Detection;

namespace FaceApi.Contracts;

/// <summary>A face box: top-left corner and size, in image pixels.</summary>
public sealed record FaceBoxDto(float X, float Y, float Width, float Height)
{
    public static FaceBoxDto From(FaceBox box) => new(box.Left, box.Top, box.Width, box.Height);
}
