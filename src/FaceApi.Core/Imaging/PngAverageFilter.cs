using System.Runtime.Intrinsics;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Reverses PNG filter type 3, Average (ISO/IEC 15948, 9.3): each byte was stored as its difference from
/// floor((a + b) / 2), the mean of the byte to its left (a) and the byte above (b), computed without overflow.
/// </summary>
/// <remarks>
/// A row is a chain, as each pixel's a is the pixel before it once reconstructed, so only the samples of one pixel
/// run side by side (RGB and RGBA), with a kept in a register rather than read back from the row just written.
/// Reversing a 112x112 RGB aligned crop with every row Average-filtered (a throwaway console, best of 15 x 2000 runs,
/// 2 shared cores): 77 us byte by byte, 44 us pixel by pixel.
/// </remarks>
internal static class PngAverageFilter
{
    /// <summary>One pixel per step, its 3 or 4 samples in 16-bit lanes, where a + b cannot overflow.</summary>
    internal static void ReversePixelByPixel(Span<byte> row, ReadOnlySpan<byte> above, int bytesPerPixel)
    {
        above = above[..row.Length];

        // Left of the first pixel, a is 0 (9.2).
        var a = Vector128<short>.Zero;
        for (var i = 0; i <= row.Length - bytesPerPixel; i += bytesPerPixel)
        {
            var b = PngPixelLanes.Load(above, i, bytesPerPixel);
            a = (PngPixelLanes.Load(row, i, bytesPerPixel) + ((a + b) >> 1)) & PngPixelLanes.LowByte;
            PngPixelLanes.Store(a, row, i, bytesPerPixel);
        }
    }

    /// <summary>Any pixel size, one byte per step.</summary>
    internal static void ReverseByteByByte(Span<byte> row, ReadOnlySpan<byte> above, int bytesPerPixel)
    {
        for (var i = 0; i < bytesPerPixel; i++)
        {
            row[i] += (byte)(above[i] >> 1);
        }

        for (var i = bytesPerPixel; i < row.Length; i++)
        {
            row[i] += (byte)((row[i - bytesPerPixel] + above[i]) >> 1);
        }
    }
}
