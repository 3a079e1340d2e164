using System.Buffers.Binary;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Refuses a BMP whose info header names more palette colours than the file holds, before ImageSharp
/// 2.1.13 reads it: it allocates the palette (ClrUsed entries of 4 bytes) from the header before it checks
/// the header against the data. An attacking session's 58-byte BMP naming 2^29 colours made it allocate and
/// clear 2 GiB in Identify, on the request thread; eight at once took RSS to 16.6 GB, and under a 1.5 GiB
/// heap limit each was a 500 (2 December 2026).
/// </summary>
internal static class BmpPaletteCheck
{
    // The file header (14 bytes: "BM", size, reserved, pixel offset), then the info header, whose size
    // opens it. BITMAPINFOHEADER (40 bytes) and its successors hold ClrUsed at byte 32 of the info header;
    // the OS/2 core header (12 bytes) has none, its palette being 2^bits entries of at most 8 bits.
    private const int InfoHeaderAt = 14;
    private const int ColorsUsedAt = InfoHeaderAt + 32;
    private const int PaletteEntryBytes = 4;

    // Where the pixel data starts, in the file header: ImageSharp sizes a palette of unnamed length by it.
    private const int PixelDataOffsetAt = 10;

    /// <exception cref="ImageDecodingException">
    /// <paramref name="encoded"/> is an OS/2 bitmap array, which ImageSharp also reads as a BMP (<see cref="ImageErrorCode.UnsupportedFormat"/>),
    /// or a BMP whose palette, or whose pixel data's offset, lies beyond its end (<see cref="ImageErrorCode.InvalidImage"/>).
    /// </exception>
    internal static void Enforce(ReadOnlySpan<byte> encoded)
    {
        // A fourth session wrapped the palette bomb in an OS/2 "BA" header (72 bytes: 2 GB again); photos
        // do not arrive so.
        if (encoded.StartsWith("BA"u8))
        {
            throw new ImageDecodingException(ImageErrorCode.UnsupportedFormat, "OS/2 bitmap arrays are not supported; send JPEG, PNG or WebP.");
        }

        if (encoded.Length < ColorsUsedAt + 4 || !encoded.StartsWith("BM"u8) || BinaryPrimitives.ReadUInt32LittleEndian(encoded[InfoHeaderAt..]) < 40)
        {
            return;
        }

        // And with no palette length named, ImageSharp takes the bytes up to the pixel data's offset as the
        // palette: 58 bytes whose offset said 2 GB (a fourth session).
        var colors = BinaryPrimitives.ReadUInt32LittleEndian(encoded[ColorsUsedAt..]);
        var pixelData = BinaryPrimitives.ReadUInt32LittleEndian(encoded[PixelDataOffsetAt..]);
        if ((long)colors * PaletteEntryBytes > encoded.Length || pixelData > encoded.Length)
        {
            throw new ImageDecodingException(
                ImageErrorCode.InvalidImage, $"The BMP image names a palette of {colors} colours, or pixel data at byte {pixelData}, beyond its {encoded.Length} bytes.");
        }
    }
}
