using System.Diagnostics.CodeAnalysis;
using System.IO.Compression;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Decodes the common PNGs (non-interlaced, 8 bits per sample: grey, grey+alpha, RGB, RGBA, palette) to the same
/// RGB24 pixels as ImageSharp 2.1.13, in about half its time, and declines everything else.
/// </summary>
/// <remarks>
/// Why: ImageSharp 2.1.13 inflates the IDAT data one scanline at a time (337 bytes for a 112-pixel RGB row), and
/// zlib's fast inflate loop needs at least 258 bytes of output space, so most of the work runs zlib's slow path.
/// Measured on the 2-core development machine with .NET 10: inflating a 112x112 aligned crop's IDAT cost 0.36 ms
/// read in 337-byte pieces against 0.155 ms read whole, and PNG decoding was 51% of the service's CPU time per
/// aligned request. Here all the image data is inflated in one read, then unfiltered and converted.
/// <para>
/// Declining (returning false) is never an error: ImageSharp then decodes the image, or refuses it with its
/// usual verdict, so error codes stay as they were. Anything unusual is declined rather than judged here:
/// 16-bit and sub-byte samples, interlacing, bad CRCs, unknown critical chunks, zlib data that is corrupt, has
/// a wrong Adler-32 or inflates to more or fewer bytes than the image needs, unknown filter types, palette
/// indices beyond the palette. ImageSharp accepts some of these (it stops reading after the last row and does
/// not check the Adler-32), so it must keep them.
/// </para>
/// </remarks>
internal static class PngFastDecoder
{
    /// <summary>
    /// Decodes <paramref name="identified"/> when it is a PNG this path covers, with the memory allocator of
    /// <paramref name="configuration"/>; returns false, with no image, otherwise.
    /// </summary>
    public static bool TryDecode(IdentifiedImage identified, Configuration configuration, [NotNullWhen(true)] out Image<Rgb24>? image)
    {
        image = null;
        if (identified.Format is not PngFormat
            || !PngChunkLayout.TryRead(identified.Encoded.Span, out var layout)
            || layout.Width != identified.Width
            || layout.Height != identified.Height)
        {
            return false;
        }

        // Each row is its filter type byte and its samples (ISO/IEC 15948, 7.2), after one row of zeros that
        // stands for the row above the first (see PngScanlineFilters).
        var stride = 1 + ((long)layout.Width * layout.BytesPerPixel);
        var length = stride * (1 + (long)layout.Height);
        if (length > Array.MaxLength)
        {
            return false;
        }

        try
        {
            // From the decoder's allocator rather than ArrayPool.Shared, so that its pool limit also bounds what
            // large PNGs leave behind (see ImageDecoder's CreateConfiguration).
            using var scanlines = configuration.MemoryAllocator.Allocate<byte>((int)length);
            var rows = scanlines.Memory.Span;
            rows[..(int)stride].Clear();
            if (!TryInflate(identified.Encoded, layout.DataChunks, rows[(int)stride..])
                || !PngScanlineFilters.TryReverse(rows, (int)stride, layout.BytesPerPixel)
                || !IndicesWithinPalette(rows, (int)stride, layout, identified.Encoded.Span))
            {
                return false;
            }

            image = ToImage(scanlines.Memory, (int)stride, layout, identified.Encoded, configuration);
            return true;
        }
        catch (InvalidMemoryOperationException)
        {
            // Over the allocator's limits: ImageSharp meets the same limit and reports it as usual.
            return false;
        }
    }

    // Inflates exactly scanlines.Length bytes in as few reads as zlib allows; false for anything else.
    private static bool TryInflate(ReadOnlyMemory<byte> png, Range dataChunks, Span<byte> scanlines)
    {
        using var zlib = new ZLibStream(new PngDataChunksStream(png, dataChunks), CompressionMode.Decompress);
        try
        {
            if (zlib.ReadAtLeast(scanlines, scanlines.Length, throwOnEndOfStream: false) != scanlines.Length)
            {
                return false;
            }

            // Reading on reaches the end of the zlib stream, where zlib checks the Adler-32 (RFC 1950, 2.2).
            Span<byte> beyondImage = stackalloc byte[1];
            return zlib.Read(beyondImage) == 0;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    // ImageSharp 2.1.13 does not check palette indices, so an index beyond the palette is left to it.
    private static bool IndicesWithinPalette(ReadOnlySpan<byte> scanlines, int stride, PngChunkLayout layout, ReadOnlySpan<byte> png)
    {
        var entries = png[layout.Palette].Length / 3;
        if (layout.ColorType != PngColorType.Palette || entries > byte.MaxValue)
        {
            return true;
        }

        for (var start = stride; start < scanlines.Length; start += stride)
        {
            if (scanlines.Slice(start + 1, stride - 1).IndexOfAnyInRange((byte)entries, byte.MaxValue) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    private static Image<Rgb24> ToImage(Memory<byte> scanlines, int stride, PngChunkLayout layout, ReadOnlyMemory<byte> png, Configuration configuration)
    {
        var image = new Image<Rgb24>(configuration, layout.Width, layout.Height);
        image.ProcessPixelRows(pixels =>
        {
            var palette = MemoryMarshal.Cast<byte, Rgb24>(png.Span[layout.Palette]);
            for (var y = 0; y < pixels.Height; y++)
            {
                var samples = scanlines.Span.Slice(((y + 1) * stride) + 1, stride - 1);
                PngSampleConversion.ToRgb24(samples, pixels.GetRowSpan(y), layout.ColorType, palette);
            }
        });
        return image;
    }
}
