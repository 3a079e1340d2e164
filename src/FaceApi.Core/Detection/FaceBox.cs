namespace FaceApi.Core.Detection;

/// <summary>An axis-aligned face box in source-image pixels (corners, x to the right, y down).</summary>
public readonly record struct FaceBox(float Left, float Top, float Right, float Bottom)
{
    /// <summary>Right − Left.</summary>
    public float Width => Right - Left;

    /// <summary>Bottom − Top.</summary>
    public float Height => Bottom - Top;

    /// <summary>Width × Height.</summary>
    public float Area => Width * Height;
}
