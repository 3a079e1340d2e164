using System.Buffers.Binary;

namespace FaceApi.Core.Imaging;

/// <summary>
/// How a PNG file is framed (ISO/IEC 15948, 5.2-5.3): an 8-byte signature, then chunks of a 4-byte big-endian
/// data length, a 4-byte type, the data and a 4-byte CRC-32 of type and data.
/// </summary>
internal static class PngChunkFraming
{
    /// <summary>The signature's length: chunks start this far into the file.</summary>
    public const int SignatureLength = 8;

    /// <summary>Length (4) and type (4): a chunk's data starts this far into the chunk.</summary>
    public const int HeaderLength = 8;

    /// <summary>The CRC-32 after a chunk's data.</summary>
    public const int CrcLength = 4;

    /// <summary>Everything around a chunk's data: its length, type and CRC.</summary>
    public const int Overhead = HeaderLength + CrcLength;

    /// <summary>Whether a chunk's header starts at <paramref name="position"/> within <paramref name="png"/>.</summary>
    public static bool HasChunkAt(ReadOnlySpan<byte> png, long position) => position + HeaderLength <= png.Length;

    /// <summary>The type of the chunk at <paramref name="position"/> (<see cref="HasChunkAt"/>).</summary>
    public static ReadOnlySpan<byte> TypeAt(ReadOnlySpan<byte> png, long position) => png.Slice((int)position + 4, 4);

    /// <summary>Where the chunk after the one at <paramref name="position"/> starts, by its declared length: past the data's end when it claims more than there is.</summary>
    public static long NextAfter(ReadOnlySpan<byte> png, long position) =>
        position + Overhead + BinaryPrimitives.ReadUInt32BigEndian(png[(int)position..]);
}
