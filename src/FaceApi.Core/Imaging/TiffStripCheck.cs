namespace FaceApi.Core.Imaging;

/// <summary>
/// Reads a TIFF's first directory for what ImageSharp 2.1.13 will spend decoding its strips, before it
/// does: the strip buffer it allocates, the compressed bytes it reads, and the codec it reads them with.
/// All come from tags, not from the pixels, and neither the pixel limits nor the pixel budget saw them.
/// Tags are read with every integer type, a RowsPerStrip of a type ImageSharp drops as the whole image it
/// then decodes (<see cref="TiffValues.IsShortOrLong"/>), whichever counts more, and refused when repeated.
/// </summary>
/// <remarks>
/// An attacking session found (2 December 2026, test models, 2-core VM):
/// <list type="bullet">
/// <item>ImageSharp sizes its strip buffer by RowsPerStrip, however far past the image's height
/// (<c>TiffDecoderCore.DecodeStripsChunky</c>), and clears it: a 384-byte 12000x1 RGBA float32 TIFF with
/// RowsPerStrip 5500 made it allocate 1.06 GB; a 744 KB one-strip 7000x7000 of float32 samples, 784 MB.
/// With <c>aligned=true</c> such a 12,000-pixel image was decoded inline, twelve at once: 7.5 GB.</item>
/// <item>It decompresses every strip's bytes wherever they are: 12,000 strips all pointing at the same
/// 2 MB of PackBits that yield nothing cost 17 CPU-seconds (19.5 MB: 152 s).</item>
/// </list>
/// Strips of a real file are disjoint parts of it, so their byte counts add up to less than its length;
/// more is refused as <see cref="ImageErrorCode.InvalidImage"/>, which bounds the bytes decompressed by the
/// upload's size. The strip buffer is returned for the decoder's limits and the pixel budget to count
/// (<see cref="IdentifiedImage.DecoderBufferBytes"/>): a many-strip photo's is a few rows, a one-strip
/// 8-bit RGB photo's the size of its pixels.
/// </remarks>
internal static class TiffStripCheck
{
    // TIFF 6.0, section 8 (baseline fields).
    private const ushort ImageWidth = 256;
    private const ushort ImageLength = 257;
    private const ushort BitsPerSample = 258;
    private const ushort Compression = 259;
    private const ushort PhotometricInterpretation = 262;
    private const ushort RowsPerStrip = 278;
    private const ushort StripByteCounts = 279;

    // PhotometricInterpretation 3 (TIFF 6.0 section 5); 16 bits is the most a palette's ColorMap of SHORT
    // counts can index.
    private const long PaletteColor = 3;

    // PhotometricInterpretation 6 (TIFF 6.0 section 21). To undo chroma subsampling, ImageSharp 2.1.13
    // copies each strip into a buffer of (width + 4) x (rows + 4) 3-byte pixels
    // (YCbCrTiffColor.Decode), a second strip-sized buffer beside the strip buffer. Counted for every
    // YCbCr TIFF, subsampled or not, planar or not: they are rare among photos, and reading two more tags
    // that an attacker can type otherwise would add ways to count less than ImageSharp allocates.
    private const long YCbCr = 6;
    private const int YCbCrMargin = 4;
    private const int YCbCrBytesPerPixel = 3;
    private const long MaxPaletteBits = 16;

    // The compressions ImageSharp 2.1.13 decodes by itself (TIFF 6.0 section 8 and Adobe's technical
    // notes: none, CCITT modified Huffman, T.4, T.6, LZW, Deflate, PackBits, old Deflate). It decodes JPEG
    // (7) too, by handing each strip to Image.Load with its default configuration: every format, every
    // frame of a GIF, none of this service's limits. A 290-byte TIFF around a 30000x30000 JPEG took 2.6 GB
    // that way, and one around a 60-frame 5000x5000 GIF 4.3 GB (second attacking session, 2 December
    // 2026). Face photos do not arrive as JPEG-in-TIFF.
    private static readonly HashSet<long> DecodedCompressions = [1, 2, 3, 4, 5, 8, 32773, 32946];

    /// <summary>
    /// The bytes of the strip buffer (and for YCbCr, the buffer its chroma is upsampled into) ImageSharp will allocate to decode the TIFF <paramref name="encoded"/>,
    /// up to <see cref="long.MaxValue"/> (0 for anything else, or a TIFF whose first directory is not there
    /// to read). Only the first directory matters: the decoder reads the first frame alone.
    /// </summary>
    /// <exception cref="ImageDecodingException">
    /// The strips' byte counts add up to more than <paramref name="encoded"/> holds, or a tag read here
    /// appears twice (<see cref="ImageErrorCode.InvalidImage"/>); its compression is not one ImageSharp
    /// decodes by itself (<see cref="ImageErrorCode.UnsupportedFormat"/>).
    /// </exception>
    internal static long StripBufferBytes(ReadOnlySpan<byte> encoded)
    {
        if (!TiffLayout.TryReadFirstDirectory(encoded, out var layout, out var entries))
        {
            return 0;
        }

        // A tag absent, or of a type or value ImageSharp refuses, reads -1 here.
        long width = -1, height = -1, bitsPerPixel = -1, compression = -1, photometric = -1, rowsPerStrip = -1, stripBytes = 0;
        var rowsPerStripDroppable = false;
        var read = new HashSet<ushort>();
        for (var at = 0; at < entries.Length; at += layout.EntrySize)
        {
            var entry = entries.Slice(at, layout.EntrySize);
            var tag = layout.ReadUInt16(entry);
            if (tag is not (ImageWidth or ImageLength or BitsPerSample or Compression or PhotometricInterpretation or RowsPerStrip or StripByteCounts))
            {
                continue;
            }

            // ImageSharp keeps a tag's first value and this would keep its last, or the other way round
            // (a review hid a RowsPerStrip of 20,000 behind a second one of 1): no real file repeats one.
            if (!read.Add(tag))
            {
                throw new ImageDecodingException(ImageErrorCode.InvalidImage, $"The TIFF image's first directory has tag {tag} twice.");
            }

            var values = layout.ValuesOf(encoded, entry);
            if (values.Count == 0)
            {
                continue;
            }

            switch (tag)
            {
                case ImageWidth:
                    width = values[0];
                    break;
                case ImageLength:
                    height = values[0];
                    break;
                case BitsPerSample:
                    // One value a sample; ImageSharp adds them up for a pixel.
                    bitsPerPixel = SumWithin(values, int.MaxValue);
                    break;
                case Compression:
                    compression = values[0];
                    break;
                case PhotometricInterpretation:
                    photometric = values[0];
                    break;
                case RowsPerStrip:
                    // ImageSharp drops a RowsPerStrip of another type or of more than one value, which then
                    // means the whole image (found in review: typed BYTE 1, or SHORT 1, 1, it was one row here
                    // and a 7000-row strip to ImageSharp); read so, it counts the larger of the two.
                    rowsPerStrip = values[0];
                    rowsPerStripDroppable = !values.IsShortOrLong || values.Count != 1;
                    break;
                case StripByteCounts:
                    stripBytes = SumWithin(values, encoded.Length);
                    break;
            }
        }

        if (!DecodedCompressions.Contains(compression < 0 ? 1 : compression))
        {
            throw new ImageDecodingException(
                ImageErrorCode.UnsupportedFormat, $"TIFF images with compression {compression} (JPEG is 6 and 7) are not supported; send JPEG, PNG or WebP.");
        }

        // A palette image (TIFF 6.0 section 5) of more than 16 bits a pixel has no ColorMap a file can hold
        // (3 x 2^bits values), but ImageSharp allocates its 2^bits colours before reading it: BitsPerSample 29
        // in a 1.7 KB 1x1 TIFF took 1.5 GiB (an attacking session, 2 December 2026).
        if (photometric == PaletteColor && bitsPerPixel > MaxPaletteBits)
        {
            throw new ImageDecodingException(
                ImageErrorCode.InvalidImage, $"The TIFF image is a palette image of {bitsPerPixel} bits a pixel; a palette has at most {MaxPaletteBits}.");
        }

        if (stripBytes > encoded.Length)
        {
            throw new ImageDecodingException(
                ImageErrorCode.InvalidImage,
                $"The TIFF image's strips add up to more than its {encoded.Length} bytes: they overlap or run past its end.");
        }

        // ImageSharp reads RowsPerStrip into an int, and int.MaxValue (so 2^32 - 1, the tag's default, and
        // every value from 2^31 - 1 up) means one strip of the whole image, as an absent tag does. In
        // double: the tags are read up to 2^63, and their product only needs comparing.
        var rows = rowsPerStrip is < 0 or >= int.MaxValue ? height : rowsPerStrip;
        rows = rowsPerStripDroppable ? Math.Max(rows, height) : rows;
        var buffer = Math.Ceiling(Math.Max(0, width) * (double)Math.Max(1, bitsPerPixel) / 8) * Math.Max(0, rows);
        buffer += photometric == YCbCr ? (Math.Max(0, width) + YCbCrMargin) * (double)(Math.Max(0, rows) + YCbCrMargin) * YCbCrBytesPerPixel : 0;
        return buffer >= long.MaxValue ? long.MaxValue : (long)buffer;
    }

    // The sum of the values (those a signed type makes negative counting 0), stopping once it passes `cap`
    // (a BigTIFF count can be near 2^63).
    private static long SumWithin(TiffValues values, long cap)
    {
        long sum = 0;
        for (var i = 0; i < values.Count && sum <= cap; i++)
        {
            sum += Math.Clamp(values[i], 0, cap + 1);
        }

        return sum;
    }
}
