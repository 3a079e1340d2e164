namespace FaceApi.Core.Imaging;

/// <summary>
/// Reads a TIFF's first directory for what ImageSharp 2.1.13 will spend decoding its strips, before it
/// does: the strip buffer it allocates, and the compressed bytes it reads. Both come from tags, not from
/// the pixels, and neither the pixel limits nor the pixel budget saw them.
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
    private const ushort RowsPerStrip = 278;
    private const ushort StripByteCounts = 279;

    // RowsPerStrip's default, 2^32 - 1: the whole image is one strip (ImageSharp reads it as the height).
    private const long WholeImage = uint.MaxValue;

    /// <summary>
    /// The bytes of the strip buffer ImageSharp will allocate to decode the TIFF <paramref name="encoded"/>,
    /// up to <see cref="long.MaxValue"/> (0 for anything else, or a TIFF whose first directory is not there
    /// to read).
    /// </summary>
    /// <exception cref="ImageDecodingException">
    /// The strips' byte counts add up to more than <paramref name="encoded"/> holds (<see cref="ImageErrorCode.InvalidImage"/>).
    /// </exception>
    internal static long StripBufferBytes(ReadOnlySpan<byte> encoded)
    {
        if (TiffLayout.Read(encoded) is not { } layout || layout.FirstDirectory <= 0 || layout.FirstDirectory > encoded.Length - layout.CountSize)
        {
            return 0;
        }

        var directory = encoded[(int)layout.FirstDirectory..];
        var present = (directory.Length - layout.CountSize) / layout.EntrySize;
        var entries = (int)Math.Min(layout.ReadDirectoryCount(directory), present);
        long width = 0, height = 0, bitsPerPixel = 0, rowsPerStrip = WholeImage, stripBytes = 0;
        for (var i = 0; i < entries; i++)
        {
            var entry = directory.Slice(layout.CountSize + (i * layout.EntrySize), layout.EntrySize);
            var values = layout.ValuesOf(encoded, entry, out var size);
            var count = TiffLayout.CountOf(values, size);
            if (count == 0)
            {
                continue;
            }

            switch (layout.ReadUInt16(entry))
            {
                case ImageWidth:
                    width = layout.ValueAt(values, size, 0);
                    break;
                case ImageLength:
                    height = layout.ValueAt(values, size, 0);
                    break;
                case BitsPerSample:
                    // One value a sample (SamplesPerPixel of them); ImageSharp adds them up for a pixel.
                    bitsPerPixel = SumWithin(layout, values, size, count, int.MaxValue);
                    break;
                case RowsPerStrip:
                    rowsPerStrip = layout.ValueAt(values, size, 0);
                    break;
                case StripByteCounts:
                    stripBytes = SumWithin(layout, values, size, count, encoded.Length);
                    break;
            }
        }

        if (stripBytes > encoded.Length)
        {
            throw new ImageDecodingException(
                ImageErrorCode.InvalidImage,
                $"The TIFF image's strips add up to more than its {encoded.Length} bytes: they overlap or run past its end.");
        }

        // In double: the tags are read up to 2^63, and their product only needs comparing.
        var rows = rowsPerStrip == WholeImage ? height : rowsPerStrip;
        var buffer = Math.Ceiling(width * (double)Math.Max(1, bitsPerPixel) / 8) * rows;
        return buffer >= long.MaxValue ? long.MaxValue : (long)buffer;
    }

    // The sum of the values, stopping once it passes `cap` (a BigTIFF count can be near 2^63).
    private static long SumWithin(TiffLayout layout, ReadOnlySpan<byte> values, int size, int count, long cap)
    {
        long sum = 0;
        for (var i = 0; i < count && sum <= cap; i++)
        {
            sum += Math.Min(layout.ValueAt(values, size, i), cap + 1);
        }

        return sum;
    }
}
