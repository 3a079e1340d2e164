using System.Buffers.Binary;
using SixLabors.ImageSharp.Formats.Png;

namespace FaceApi.Core.Imaging;

/// <summary>The fields of a PNG's IHDR chunk (ISO/IEC 15948, 11.2.2) that decide how its pixels are read.</summary>
/// <param name="Width">Pixels per row.</param>
/// <param name="Height">Rows.</param>
/// <param name="ColorType">Grey, RGB, palette, grey with alpha or RGBA; other values are kept as read.</param>
/// <param name="BitDepth">Bits per sample, or per palette index.</param>
/// <param name="IsDecodedHere">
/// Whether <see cref="PngFastDecoder"/> decodes such an image: bit depth 8 with colour type 0, 2, 3, 4 or 6,
/// compression and filter method 0, no interlacing.
/// </param>
internal readonly record struct PngImageHeader(int Width, int Height, PngColorType ColorType, int BitDepth, bool IsDecodedHere)
{
    // Width (4), height (4), bit depth, colour type, compression, filter and interlace methods.
    private const int Length = 13;

    /// <summary>
    /// How many indices the pixels of a palette image can hold: ImageSharp 2.1.13 unpacks indices of fewer than
    /// 8 bits, and reads one byte per index otherwise.
    /// </summary>
    public int PaletteIndexCount => BitDepth >= 8 ? 256 : 1 << BitDepth;

    /// <summary>Reads IHDR's data; false when it is not 13 bytes or declares no pixels or over int.MaxValue of either.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out PngImageHeader header)
    {
        header = default;
        if (data.Length != Length)
        {
            return false;
        }

        var declaredWidth = BinaryPrimitives.ReadUInt32BigEndian(data);
        var declaredHeight = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        if (declaredWidth is 0 or > int.MaxValue || declaredHeight is 0 or > int.MaxValue)
        {
            return false;
        }

        const byte DecodedBitDepth = 8, CompressionMethod = 0, FilterMethod = 0, InterlaceNone = 0;
        var (bitDepth, colorType) = (data[8], data[9]);
        var isKnownColorType = colorType is 0 or 2 or 3 or 4 or 6;
        var isDecodedHere = bitDepth == DecodedBitDepth && isKnownColorType && data[10] == CompressionMethod && data[11] == FilterMethod && data[12] == InterlaceNone;
        header = new PngImageHeader((int)declaredWidth, (int)declaredHeight, (PngColorType)colorType, bitDepth, isDecodedHere);
        return true;
    }
}
