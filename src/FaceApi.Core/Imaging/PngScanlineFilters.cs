using System.Numerics;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Reverses PNG filter method 0 (ISO/IEC 15948, 9.2-9.4): each scanline starts with a filter type byte, and
/// its bytes are stored as differences from a prediction made from the byte one pixel to the left (a), the
/// byte above (b) and the byte above-left (c), all taken as 0 outside the image.
/// </summary>
internal static class PngScanlineFilters
{
    internal const byte None = 0;
    internal const byte Sub = 1;
    internal const byte Up = 2;
    internal const byte Average = 3;
    internal const byte Paeth = 4;

    /// <summary>
    /// Reconstructs every scanline of <paramref name="scanlines"/> in place and returns false on an unknown filter
    /// type. Row <c>y</c> (its filter type byte, then its bytes) starts at <c>(y + 1) * stride</c>: the first
    /// <paramref name="stride"/> bytes are a row of zeros that stands for the row above the first (9.2).
    /// </summary>
    public static bool TryReverse(Span<byte> scanlines, int stride, int bytesPerPixel)
    {
        for (var start = stride; start < scanlines.Length; start += stride)
        {
            var row = scanlines.Slice(start + 1, stride - 1);
            ReadOnlySpan<byte> above = scanlines.Slice(start - stride + 1, stride - 1);
            switch (scanlines[start])
            {
                case None:
                    break;
                case Sub:
                    ReverseSub(row, bytesPerPixel);
                    break;
                case Up:
                    ReverseUp(row, above);
                    break;
                case Average when PngPixelLanes.AreAccelerated(bytesPerPixel):
                    PngAverageFilter.ReversePixelByPixel(row, above, bytesPerPixel);
                    break;
                case Average:
                    PngAverageFilter.ReverseByteByByte(row, above, bytesPerPixel);
                    break;
                case Paeth when PngPixelLanes.AreAccelerated(bytesPerPixel):
                    PngPaethFilter.ReversePixelByPixel(row, above, bytesPerPixel);
                    break;
                case Paeth:
                    PngPaethFilter.ReverseByteByByte(row, above, bytesPerPixel);
                    break;
                default:
                    return false;
            }
        }

        return true;
    }

    // Byte arithmetic is modulo 256 (9.2), which is what byte addition with truncation gives.
    private static void ReverseSub(Span<byte> row, int bytesPerPixel)
    {
        for (var i = bytesPerPixel; i < row.Length; i++)
        {
            row[i] += row[i - bytesPerPixel];
        }
    }

    // The only filter without a dependency along the row, so vectorised along the whole row.
    private static void ReverseUp(Span<byte> row, ReadOnlySpan<byte> above)
    {
        var i = 0;
        for (; i <= row.Length - Vector<byte>.Count; i += Vector<byte>.Count)
        {
            (new Vector<byte>(row[i..]) + new Vector<byte>(above[i..])).CopyTo(row[i..]);
        }

        for (; i < row.Length; i++)
        {
            row[i] += above[i];
        }
    }
}
