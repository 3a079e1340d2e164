namespace FaceApi.Core.Alignment;

/// <summary>
/// A square face crop ready for a recognition model: RGB, 8 bits per channel, rows top to bottom,
/// pixels interleaved (R, G, B, R, ...).
/// </summary>
public sealed class AlignedFace
{
    /// <summary>Wraps crop pixels.</summary>
    /// <exception cref="ArgumentException">The buffer is not <paramref name="size"/>² × 3 bytes.</exception>
    public AlignedFace(int size, byte[] rgbPixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentNullException.ThrowIfNull(rgbPixels);
        if (rgbPixels.Length != size * size * 3)
        {
            throw new ArgumentException($"Expected {size * size * 3} bytes for a {size}x{size} RGB crop.", nameof(rgbPixels));
        }

        Size = size;
        RgbPixels = rgbPixels;
    }

    /// <summary>Width and height in pixels.</summary>
    public int Size { get; }

    /// <summary>The pixels, RGB interleaved, row-major.</summary>
    public ReadOnlyMemory<byte> RgbPixels { get; }
}
