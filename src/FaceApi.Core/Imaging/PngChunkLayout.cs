using System.Buffers.Binary;
using System.IO.Hashing;
using SixLabors.ImageSharp.Formats.Png;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Where the pixels of a PNG that <see cref="PngFastDecoder"/> can decode lie: the header's fields, the palette
/// and the run of IDAT chunks. Found by walking the chunks (ISO/IEC 15948, 5.3: length, type, data, CRC-32)
/// without reading ancillary chunks, because PNG metadata is not used (see ImageDecoder's CreateConfiguration).
/// </summary>
/// <param name="Width">Pixels per row (IHDR).</param>
/// <param name="Height">Rows (IHDR).</param>
/// <param name="ColorType">Grey, RGB, palette, grey with alpha or RGBA, always 8 bits per sample.</param>
/// <param name="Palette">The PLTE data (3 bytes per entry), for palette images only.</param>
/// <param name="DataChunks">From the first IDAT chunk's length field to the end of the last IDAT's CRC.</param>
/// <param name="ZlibHeaderLength">
/// The bytes before the deflate data, all in the first IDAT: the zlib header, and the preset dictionary's id when
/// the header names one (RFC 1950, 2.2).
/// </param>
internal readonly record struct PngChunkLayout(int Width, int Height, PngColorType ColorType, Range Palette, Range DataChunks, int ZlibHeaderLength)
{
    // pHYs data: pixels per unit X (4), Y (4), unit (1) (11.3.5.3).
    private const int PhysicalDimensionsLength = 9;

    // The zlib header: CMF, FLG, then a 4-byte dictionary id when FLG's FDICT bit (0x20) is set (RFC 1950, 2.2).
    private const int ZlibMinimalHeaderLength = 2;
    private const int ZlibDictionaryIdLength = 4;
    private const byte ZlibPresetDictionaryFlag = 0x20;

    // ISO/IEC 15948, 5.2.
    private static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Bytes per pixel in a scanline, which is also the distance filters look back (ISO/IEC 15948, 9.2).</summary>
    public int BytesPerPixel => ColorType switch
    {
        PngColorType.Grayscale or PngColorType.Palette => 1,
        PngColorType.GrayscaleWithAlpha => 2,
        PngColorType.Rgb => 3,
        _ => 4,
    };

    /// <summary>
    /// Reads the layout of <paramref name="png"/>, or returns false when the fast path should leave the image to
    /// ImageSharp: anything but a non-interlaced 8-bit grey, grey+alpha, RGB, RGBA or palette image, a critical
    /// chunk with a wrong CRC, an unknown critical chunk, IDAT chunks that are not consecutive, a zlib header
    /// ImageSharp refuses, and any other malformation. ImageSharp then decodes the image, or refuses it with its
    /// usual verdict.
    /// </summary>
    /// <remarks>
    /// Palette images are the exception. ImageSharp 2.1.13 looks palette indices up without a bounds check
    /// (PngScanlineProcessor.ProcessPaletteScanline reads with Unsafe.Add), so an index beyond the palette turns
    /// heap memory past it into pixels. A palette image is therefore left to ImageSharp only when it is of a kind
    /// this path does not decode (fewer than 8 bits per index, or interlaced) and its palette has an entry for
    /// every index its pixels can hold; one of those kinds with a shorter palette or none, and a malformed 8-bit
    /// one, are refused. Well formed 8-bit ones are decoded here, and their indices checked (see PngFastDecoder).
    /// </remarks>
    /// <exception cref="ImageDecodingException">
    /// <see cref="ImageErrorCode.InvalidImage"/>: a palette image as above.
    /// </exception>
    public static bool TryRead(ReadOnlySpan<byte> png, out PngChunkLayout layout)
    {
        layout = default;
        if (!png.StartsWith(Signature))
        {
            return false;
        }

        PngImageHeader header = default;
        Range palette = default, dataChunks = default;
        int paletteEntries = 0, dataStart = -1, dataEnd = -1, zlibHeaderLength = 0;
        var position = PngChunkFraming.SignatureLength;
        // Leaves the image to ImageSharp, unless it is a palette image (see the remarks).
        bool Decline() => header.ColorType == PngColorType.Palette
            ? throw new ImageDecodingException(ImageErrorCode.InvalidImage, "The PNG image is corrupt.")
            : false;
        while (true)
        {
            if (png.Length - position < PngChunkFraming.Overhead)
            {
                return Decline();
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(png[position..]);
            if (length > (uint)(png.Length - position - PngChunkFraming.Overhead))
            {
                return Decline();
            }

            var next = position + PngChunkFraming.Overhead + (int)length;
            var type = png.Slice(position + 4, 4);
            var data = png.Slice(position + PngChunkFraming.HeaderLength, (int)length);
            var isHeader = type.SequenceEqual("IHDR"u8);
            // IHDR comes first and only once (11.2.2).
            if (isHeader != (position == PngChunkFraming.SignatureLength))
            {
                return Decline();
            }

            // Bit 5 of the first type byte clear: critical (5.4). Their CRCs are checked because ImageSharp
            // refuses a PNG whose IHDR, PLTE or IDAT CRC is wrong; ancillary chunks are not read at all.
            var isCritical = (type[0] & 0x20) == 0;
            if (isCritical && Crc32.HashToUInt32(png.Slice(position + 4, 4 + (int)length)) != BinaryPrimitives.ReadUInt32BigEndian(png[(next - PngChunkFraming.CrcLength)..]))
            {
                return Decline();
            }

            if (isHeader)
            {
                // A palette image this path does not decode is walked on, to its palette.
                if (!PngImageHeader.TryRead(data, out header) || !(header.IsDecodedHere || header.ColorType == PngColorType.Palette))
                {
                    return false;
                }
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                // Consecutive (5.6) and non-empty.
                var continuesRun = dataEnd == position;
                if (length == 0 || (dataStart >= 0 && !continuesRun))
                {
                    return Decline();
                }

                if (dataStart < 0)
                {
                    var paletteIsUsable = paletteEntries > 0 && (header.IsDecodedHere || paletteEntries >= header.PaletteIndexCount);
                    if (header.ColorType == PngColorType.Palette && !paletteIsUsable)
                    {
                        throw new ImageDecodingException(ImageErrorCode.InvalidImage, "The PNG image is corrupt: its palette is missing or has fewer colours than its pixels may refer to.");
                    }

                    if (!header.IsDecodedHere)
                    {
                        return false;
                    }

                    if (!TryReadZlibHeader(data, out zlibHeaderLength))
                    {
                        return Decline();
                    }

                    dataStart = position;
                }

                dataEnd = next;
            }
            else if (type.SequenceEqual("PLTE"u8))
            {
                // Only palette images are decoded with it (a suggested palette in RGB images is left to ImageSharp).
                // ImageSharp 2.1.13 looks indices up in the last PLTE before the image data (one PLTE is required
                // there: 11.2.3); it has decoded the rows before it meets a later one. More than 256 entries give
                // every index an entry, so they are decoded as ImageSharp decodes them.
                if (header.ColorType != PngColorType.Palette || length == 0 || length % 3 != 0)
                {
                    return Decline();
                }

                if (dataStart < 0)
                {
                    palette = new Range(position + PngChunkFraming.HeaderLength, next - PngChunkFraming.CrcLength);
                    paletteEntries = (int)length / 3;
                }
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                if (length != 0 || dataStart < 0)
                {
                    return Decline();
                }

                dataChunks = new Range(dataStart, dataEnd);
                break;
            }
            else if (isCritical)
            {
                // An unknown critical chunk (e.g. Apple's CgBI) changes how the image must be read (5.4).
                return Decline();
            }
            else if (type.SequenceEqual("pHYs"u8) && length != PhysicalDimensionsLength)
            {
                // ImageSharp 2.1.13 parses pHYs even with IgnoreMetadata and throws on a short one.
                return Decline();
            }

            position = next;
        }

        layout = new PngChunkLayout(header.Width, header.Height, header.ColorType, palette, dataChunks, zlibHeaderLength);
        return true;
    }

    // Reads the zlib header at the start of the first IDAT's data as ImageSharp 2.1.13 does (ZlibInflateStream):
    // it refuses any compression method but 8 (deflate) and windows over 32 KiB (CINFO above 7), does not check
    // FCHECK, and skips a preset dictionary's id without using it (a stream that needs the dictionary then fails
    // in both). It reads the header from the first IDAT without regard to chunk bounds, so that IDAT must hold it.
    private static bool TryReadZlibHeader(ReadOnlySpan<byte> firstData, out int headerLength)
    {
        headerLength = 0;
        if (firstData.Length < ZlibMinimalHeaderLength)
        {
            return false;
        }

        const int Deflate = 8, MaxWindowInfo = 7;
        var (compressionMethod, windowInfo) = (firstData[0] & 0x0F, firstData[0] >> 4);
        var length = (firstData[1] & ZlibPresetDictionaryFlag) != 0 ? ZlibMinimalHeaderLength + ZlibDictionaryIdLength : ZlibMinimalHeaderLength;
        if (compressionMethod != Deflate || windowInfo > MaxWindowInfo || firstData.Length < length)
        {
            return false;
        }

        headerLength = length;
        return true;
    }
}
