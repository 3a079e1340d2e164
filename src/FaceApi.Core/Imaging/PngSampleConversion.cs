using System.Runtime.InteropServices;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Turns one reconstructed 8-bit PNG scanline into RGB24 pixels the way ImageSharp 2.1.13 does when it decodes
/// to <see cref="Rgb24"/>: grey is copied into R, G and B, alpha is dropped (not composited), palette indices
/// are looked up. A tRNS chunk changes only alpha, so it changes nothing here.
/// </summary>
internal static class PngSampleConversion
{
    /// <summary>
    /// Writes the pixels of <paramref name="samples"/> (without the filter type byte) to <paramref name="pixels"/>.
    /// For palette images every index must be below <paramref name="palette"/>'s length.
    /// </summary>
    public static void ToRgb24(ReadOnlySpan<byte> samples, Span<Rgb24> pixels, PngColorType colorType, ReadOnlySpan<Rgb24> palette)
    {
        switch (colorType)
        {
            case PngColorType.Rgb:
                samples.CopyTo(MemoryMarshal.AsBytes(pixels));
                break;
            case PngColorType.RgbWithAlpha:
                for (var x = 0; x < pixels.Length; x++)
                {
                    var rgba = samples.Slice(4 * x, 3);
                    pixels[x] = new Rgb24(rgba[0], rgba[1], rgba[2]);
                }

                break;
            case PngColorType.Grayscale:
                for (var x = 0; x < pixels.Length; x++)
                {
                    pixels[x] = new Rgb24(samples[x], samples[x], samples[x]);
                }

                break;
            case PngColorType.GrayscaleWithAlpha:
                for (var x = 0; x < pixels.Length; x++)
                {
                    var grey = samples[2 * x];
                    pixels[x] = new Rgb24(grey, grey, grey);
                }

                break;
            case PngColorType.Palette:
                for (var x = 0; x < pixels.Length; x++)
                {
                    pixels[x] = palette[samples[x]];
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(colorType), colorType, "Not an 8-bit PNG colour type.");
        }
    }
}
