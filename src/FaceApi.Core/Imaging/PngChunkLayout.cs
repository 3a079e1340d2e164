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
internal readonly record struct PngChunkLayout(int Width, int Height, PngColorType ColorType, Range Palette, Range DataChunks)
{
    private const int SignatureLength = 8;

    // Length (4), type (4), CRC (4) around each chunk's data (ISO/IEC 15948, 5.3).
    private const int ChunkOverhead = 12;

    // IHDR data: width (4), height (4), bit depth, colour type, compression, filter and interlace methods (11.2.2).
    private const int HeaderLength = 13;

    // pHYs data: pixels per unit X (4), Y (4), unit (1) (11.3.5.3).
    private const int PhysicalDimensionsLength = 9;

    // A palette holds 1 to 256 entries of 3 bytes (11.2.3).
    private const int MaxPaletteLength = 256 * 3;

    // The zlib header (CMF, FLG; RFC 1950, 2.2).
    private const int ZlibHeaderLength = 2;

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
    /// chunk with a wrong CRC, an unknown critical chunk, IDAT chunks that are not consecutive, and any other
    /// malformation. ImageSharp then decodes the image, or refuses it with its usual verdict.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> png, out PngChunkLayout layout)
    {
        layout = default;
        if (!png.StartsWith(Signature))
        {
            return false;
        }

        int width = 0, height = 0;
        var colorType = PngColorType.Grayscale;
        Range palette = default, dataChunks = default;
        var hasPalette = false;
        var dataStart = -1;
        var dataEnd = -1;
        var position = SignatureLength;
        while (true)
        {
            if (png.Length - position < ChunkOverhead)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(png[position..]);
            if (length > (uint)(png.Length - position - ChunkOverhead))
            {
                return false;
            }

            var next = position + ChunkOverhead + (int)length;
            var type = png.Slice(position + 4, 4);
            var data = png.Slice(position + 8, (int)length);
            var isHeader = type.SequenceEqual("IHDR"u8);
            // IHDR comes first and only once (11.2.2).
            if (isHeader != (position == SignatureLength))
            {
                return false;
            }

            // Bit 5 of the first type byte clear: critical (5.4). Their CRCs are checked because ImageSharp
            // refuses a PNG whose IHDR, PLTE or IDAT CRC is wrong; ancillary chunks are not read at all.
            var isCritical = (type[0] & 0x20) == 0;
            if (isCritical && Crc32.HashToUInt32(png.Slice(position + 4, 4 + (int)length)) != BinaryPrimitives.ReadUInt32BigEndian(png[(next - 4)..]))
            {
                return false;
            }

            if (isHeader)
            {
                if (!TryReadHeader(data, out width, out height, out colorType))
                {
                    return false;
                }
            }
            else if (type.SequenceEqual("IDAT"u8))
            {
                // Consecutive (5.6) and non-empty; the first holds at least the zlib header, which ImageSharp
                // 2.1.13 reads from the first IDAT alone.
                var continuesRun = dataEnd == position;
                if (length == 0 || (dataStart >= 0 && !continuesRun) || (dataStart < 0 && length < ZlibHeaderLength))
                {
                    return false;
                }

                dataStart = dataStart < 0 ? position : dataStart;
                dataEnd = next;
            }
            else if (type.SequenceEqual("PLTE"u8))
            {
                // Only palette images are decoded with it (a suggested palette in RGB images is left to ImageSharp);
                // one, before the image data, a whole number of entries (11.2.3).
                if (colorType != PngColorType.Palette || hasPalette || dataStart >= 0 || length == 0 || length % 3 != 0 || length > MaxPaletteLength)
                {
                    return false;
                }

                palette = new Range(position + 8, next - 4);
                hasPalette = true;
            }
            else if (type.SequenceEqual("IEND"u8))
            {
                if (length != 0 || dataStart < 0 || (colorType == PngColorType.Palette && !hasPalette))
                {
                    return false;
                }

                dataChunks = new Range(dataStart, dataEnd);
                break;
            }
            else if (isCritical)
            {
                // An unknown critical chunk (e.g. Apple's CgBI) changes how the image must be read (5.4).
                return false;
            }
            else if (type.SequenceEqual("pHYs"u8) && length != PhysicalDimensionsLength)
            {
                // ImageSharp 2.1.13 parses pHYs even with IgnoreMetadata and throws on a short one.
                return false;
            }

            position = next;
        }

        layout = new PngChunkLayout(width, height, colorType, palette, dataChunks);
        return true;
    }

    // Accepts bit depth 8 with colour types 0, 2, 3, 4, 6, compression and filter method 0, no interlacing (11.2.2).
    private static bool TryReadHeader(ReadOnlySpan<byte> header, out int width, out int height, out PngColorType colorType)
    {
        width = height = 0;
        colorType = PngColorType.Grayscale;
        if (header.Length != HeaderLength)
        {
            return false;
        }

        var declaredWidth = BinaryPrimitives.ReadUInt32BigEndian(header);
        var declaredHeight = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
        if (declaredWidth is 0 or > int.MaxValue || declaredHeight is 0 or > int.MaxValue)
        {
            return false;
        }

        const byte BitDepth = 8, CompressionMethod = 0, FilterMethod = 0, InterlaceNone = 0;
        var isSupportedColorType = header[9] is 0 or 2 or 3 or 4 or 6;
        if (header[8] != BitDepth || !isSupportedColorType || header[10] != CompressionMethod || header[11] != FilterMethod || header[12] != InterlaceNone)
        {
            return false;
        }

        (width, height, colorType) = ((int)declaredWidth, (int)declaredHeight, (PngColorType)header[9]);
        return true;
    }
}
