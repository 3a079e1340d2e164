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

    /// <exception cref="ImageDecodingException"><paramref name="encoded"/> is a BMP whose palette would be larger than it (<see cref="ImageErrorCode.InvalidImage"/>).</exception>
    internal static void Enforce(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length < ColorsUsedAt + 4 || !encoded.StartsWith("BM"u8) || BinaryPrimitives.ReadUInt32LittleEndian(encoded[InfoHeaderAt..]) < 40)
        {
            return;
        }

        var colors = BinaryPrimitives.ReadUInt32LittleEndian(encoded[ColorsUsedAt..]);
        if ((long)colors * PaletteEntryBytes > encoded.Length)
        {
            throw new ImageDecodingException(
                ImageErrorCode.InvalidImage, $"The BMP image names a palette of {colors} colours, more than its {encoded.Length} bytes hold.");
        }
    }
}
