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
/// RGB24 pixels as ImageSharp 2.1.13, faster, and declines everything else.
/// </summary>
/// <remarks>
/// Why: ImageSharp 2.1.13 inflates the IDAT data one scanline at a time (337 bytes for a 112-pixel RGB row), and
/// zlib's fast inflate loop needs at least 258 bytes of output space, so most of the work runs zlib's slow path.
/// Measured on the 2-core development machine with .NET 10: inflating a 112x112 aligned crop's IDAT cost 0.36 ms
/// read in 337-byte pieces against 0.155 ms read whole, and PNG decoding was 51% of the service's CPU time per
/// aligned request. Here the image data is inflated in reads of 64 KiB (a crop's in one), then unfiltered and
/// converted. Measured the same way, per decode: a 112x112 OpenCV crop (23 KB) 0.57 ms with ImageSharp, 0.22 ms
/// here; a 910x1137 photo PNG written by ImageSharp (Paeth rows, which cannot be vectorised simply) 34-39 ms
/// against 30-34 ms.
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
    // Scanlines are inflated about this many bytes at a time: enough for zlib's fast loop (the 0.155 ms above
    // was measured reading 64 KiB pieces), while the extra memory stays small and bounded. Inflating a whole
    // image at once would add up to 4 bytes per pixel beside the 3 of the decoded image, which the host's
    // decoded-pixel budget (RequestAdmissionOptions.MaxDecodedPixels) does not count. A 112x112 crop is one band.
    private const int BandBytes = 64 * 1024;

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

        // Each row is its filter type byte and its samples (ISO/IEC 15948, 7.2). A band holds the row above
        // its first (zeros above the image's first row; see PngScanlineFilters), then its own rows.
        var stride = 1 + ((long)layout.Width * layout.BytesPerPixel);
        var rowsPerBand = (int)Math.Clamp(BandBytes / stride, 1, layout.Height);
        if ((1 + rowsPerBand) * stride > Array.MaxLength)
        {
            return false;
        }

        Image<Rgb24>? decoded = null;
        try
        {
            // From the decoder's allocator, so its pool limit also bounds what is kept between requests.
            using var band = configuration.MemoryAllocator.Allocate<byte>((int)((1 + rowsPerBand) * stride));
            decoded = new Image<Rgb24>(configuration, layout.Width, layout.Height);
            var complete = false;
            decoded.ProcessPixelRows(pixels => complete = TryDecodeRows(identified.Encoded, layout, band.Memory.Span, (int)stride, pixels));
            if (complete)
            {
                (image, decoded) = (decoded, null);
            }

            return complete;
        }
        catch (InvalidMemoryOperationException)
        {
            // Over the allocator's limits: ImageSharp meets the same limit and reports it as usual.
            return false;
        }
        finally
        {
            decoded?.Dispose();
        }
    }

    // Inflates, unfilters and converts the rows band by band; false when the data is not exactly the image.
    private static bool TryDecodeRows(ReadOnlyMemory<byte> png, PngChunkLayout layout, Span<byte> band, int stride, PixelAccessor<Rgb24> pixels)
    {
        var palette = MemoryMarshal.Cast<byte, Rgb24>(png.Span[layout.Palette]);
        var rowsPerBand = (band.Length / stride) - 1;
        band[..stride].Clear();
        using var zlib = new ZLibStream(new PngDataChunksStream(png, layout.DataChunks), CompressionMode.Decompress);
        try
        {
            for (var y = 0; y < pixels.Height;)
            {
                var rows = band[..((1 + Math.Min(rowsPerBand, pixels.Height - y)) * stride)];
                var filtered = rows[stride..];
                if (zlib.ReadAtLeast(filtered, filtered.Length, throwOnEndOfStream: false) != filtered.Length
                    || !PngScanlineFilters.TryReverse(rows, stride, layout.BytesPerPixel)
                    || !IndicesWithinPalette(filtered, stride, palette.Length))
                {
                    return false;
                }

                for (var start = stride; start < rows.Length; start += stride, y++)
                {
                    PngSampleConversion.ToRgb24(rows.Slice(start + 1, stride - 1), pixels.GetRowSpan(y), layout.ColorType, palette);
                }

                rows[^stride..].CopyTo(band);
            }

            // Reading on reaches the end of the zlib stream, where zlib checks the Adler-32 (RFC 1950, 2.2).
            Span<byte> beyondImage = stackalloc byte[1];
            return zlib.Read(beyondImage) == 0;
        }
        catch (Exception failure) when (failure is InvalidDataException or IOException)
        {
            // Corrupt data is an InvalidDataException; a zlib header that asks for a preset dictionary, which
            // ImageSharp 2.1.13 skips, is an IOException (ZLibException) from .NET 10's inflater.
            return false;
        }
    }

    // ImageSharp 2.1.13 does not check palette indices, so an index beyond the palette is left to it. Images
    // without a palette pass 0 entries.
    private static bool IndicesWithinPalette(ReadOnlySpan<byte> rows, int stride, int paletteEntries)
    {
        if (paletteEntries is 0 or > byte.MaxValue)
        {
            return true;
        }

        for (var start = 0; start < rows.Length; start += stride)
        {
            if (rows.Slice(start + 1, stride - 1).IndexOfAnyInRange((byte)paletteEntries, byte.MaxValue) >= 0)
            {
                return false;
            }
        }

        return true;
    }
}
