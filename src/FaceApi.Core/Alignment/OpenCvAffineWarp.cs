using FaceApi.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Alignment;

/// <summary>
/// OpenCV's <c>cv2.warpAffine(img, M, (size, size), borderValue=0)</c> with its default bilinear
/// interpolation for 8-bit, 3-channel images, reproduced to the grey level: the warp InsightFace's
/// <c>norm_crop</c> cuts ArcFace crops with.
/// </summary>
/// <remarks>
/// Followed from OpenCV 4.6 <c>modules/imgproc/src/imgwarp.cpp</c>: <c>WarpAffineInvoker</c> maps each
/// destination pixel through the inverse matrix in fixed point (<c>AB_BITS</c> = 10 fractional bits,
/// rounded once per row and once per column) and quantises the source position to 1/32 pixel
/// (<c>INTER_BITS</c> = 5); <c>remapBilinear</c> then blends the 2x2 neighbours with 15-bit integer
/// weights (<c>INTER_REMAP_COEF_BITS</c>; the bilinear table's products of i/32 are exact) and a
/// constant black border, pixel by pixel for neighbours outside the image.
/// </remarks>
internal static class OpenCvAffineWarp
{
    private const int Channels = 3;

    // imgwarp.cpp: AB_BITS = MAX(10, INTER_BITS), INTER_BITS = 5, INTER_TAB_SIZE = 32.
    private const int MatrixBits = 10;
    private const double MatrixScale = 1 << MatrixBits;
    private const int SubpixelBits = 5;
    private const int SubpixelSteps = 1 << SubpixelBits;

    // round_delta for INTER_LINEAR: AB_SCALE / INTER_TAB_SIZE / 2, half a subpixel step.
    private const int RoundDelta = (1 << MatrixBits) / SubpixelSteps / 2;

    // INTER_REMAP_COEF_BITS = 15: the four weights sum to 2^15.
    private const int WeightBits = 15;

    /// <summary>
    /// Fills a <paramref name="size"/> × <paramref name="size"/> RGB crop (interleaved, row-major) into
    /// <paramref name="destination"/>, sampling <paramref name="source"/> at <paramref name="cropToImage"/>
    /// of each crop pixel; crop pixels whose neighbours all fall outside the image are black.
    /// </summary>
    public static void Warp(Image<Rgb24> source, SimilarityTransform cropToImage, int size, byte[] destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if (destination.Length < size * size * Channels)
        {
            throw new ArgumentException($"A {size}x{size} RGB crop needs {size * size * Channels} bytes.", nameof(destination));
        }

        source.ProcessPixelRows(pixels => Warp(pixels, cropToImage, size, destination));
    }

    private static void Warp(PixelAccessor<Rgb24> source, SimilarityTransform cropToImage, int size, Span<byte> destination)
    {
        // The 2x3 matrix [m0 m1 m2; m3 m4 m5] of the inverse map, as WarpAffineInvoker reads it.
        double m0 = cropToImage.A, m1 = -cropToImage.B, m2 = cropToImage.TranslateX;
        double m3 = cropToImage.B, m4 = cropToImage.A, m5 = cropToImage.TranslateY;
        Span<int> columnX = stackalloc int[size];
        Span<int> columnY = stackalloc int[size];
        for (var x = 0; x < size; x++)
        {
            // adelta[x] = saturate_cast<int>(M[0]*x*AB_SCALE), bdelta likewise with M[3].
            columnX[x] = RoundToInt(m0 * x * MatrixScale);
            columnY[x] = RoundToInt(m3 * x * MatrixScale);
        }

        var width = source.Width;
        var height = source.Height;
        for (var y = 0; y < size; y++)
        {
            var rowX = RoundToInt(((m1 * y) + m2) * MatrixScale) + RoundDelta;
            var rowY = RoundToInt(((m4 * y) + m5) * MatrixScale) + RoundDelta;
            for (var x = 0; x < size; x++)
            {
                // Source position in 1/32 pixels, then split into a pixel (saturated to short, as the
                // map is stored) and a subpixel phase.
                var sx32 = (rowX + columnX[x]) >> (MatrixBits - SubpixelBits);
                var sy32 = (rowY + columnY[x]) >> (MatrixBits - SubpixelBits);
                int sx = SaturateToShort(sx32 >> SubpixelBits), sy = SaturateToShort(sy32 >> SubpixelBits);
                int fx = sx32 & (SubpixelSteps - 1), fy = sy32 & (SubpixelSteps - 1);

                // BilinearTab_i: (1 − fy/32)(1 − fx/32) · 2^15 and its three neighbours, exact integers.
                var w00 = (SubpixelSteps - fx) * (SubpixelSteps - fy) * 32;
                var w01 = fx * (SubpixelSteps - fy) * 32;
                var w10 = (SubpixelSteps - fx) * fy * 32;
                var w11 = fx * fy * 32;
                var output = destination.Slice(((y * size) + x) * Channels, Channels);
                if (sx >= width || sx + 1 < 0 || sy >= height || sy + 1 < 0)
                {
                    output.Clear(); // the constant border, borderValue = 0
                    continue;
                }

                var top = (uint)sy < (uint)height ? source.RowBytes(sy) : default;
                var bottom = (uint)(sy + 1) < (uint)height ? source.RowBytes(sy + 1) : default;
                var leftInside = (uint)sx < (uint)width;
                var rightInside = (uint)(sx + 1) < (uint)width;
                for (var c = 0; c < Channels; c++)
                {
                    // Neighbours outside the image take the border value 0.
                    var sum = 0;
                    if (!top.IsEmpty)
                    {
                        sum += (leftInside ? top[(sx * Channels) + c] * w00 : 0) + (rightInside ? top[((sx + 1) * Channels) + c] * w01 : 0);
                    }

                    if (!bottom.IsEmpty)
                    {
                        sum += (leftInside ? bottom[(sx * Channels) + c] * w10 : 0) + (rightInside ? bottom[((sx + 1) * Channels) + c] * w11 : 0);
                    }

                    // FixedPtCast<int, uchar, INTER_REMAP_COEF_BITS>: round, shift, saturate.
                    output[c] = (byte)Math.Clamp((sum + (1 << (WeightBits - 1))) >> WeightBits, 0, 255);
                }
            }
        }
    }

    // saturate_cast<int>(double): cvRound, which rounds halves to even, clipped to the int range.
    private static int RoundToInt(double value) => (int)Math.Clamp(Math.Round(value), int.MinValue, int.MaxValue);

    private static int SaturateToShort(int value) => Math.Clamp(value, short.MinValue, short.MaxValue);
}
