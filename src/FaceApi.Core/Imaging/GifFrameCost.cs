using System.Buffers.Binary;

namespace FaceApi.Core.Imaging;

/// <summary>
/// The bytes ImageSharp 2.1.13 decodes for a GIF's first frame, read from its image descriptor before it
/// decodes: it LZW-decodes every index of the frame, one byte each, however much of the frame falls outside
/// the logical screen, which alone sets the image's size. An attacking session's 292 KB GIF with a
/// 65535x12000 frame on a 1x12000 screen cost 4 CPU-seconds to keep 12,000 pixels, on request threads with
/// <c>aligned=true</c> (2 December 2026). Counted in <see cref="IdentifiedImage.DecoderBufferBytes"/>, so
/// the pixel limit and budget see it.
/// </summary>
internal static class GifFrameCost
{
    // GIF89a (W3C/CompuServe 1990): a 6-byte signature, then the logical screen descriptor (width, height,
    // flags, background colour, aspect ratio), whose flags say whether a global colour table of
    // 3 x 2^(size + 1) bytes follows; then blocks: extensions (0x21, a label, then sub-blocks of a length
    // byte and data, ending with a 0), image descriptors (0x2C: left, top, width, height, flags) and the
    // trailer (0x3B).
    private const int ScreenDescriptorEnd = 13;
    private const byte Extension = 0x21;
    private const byte ImageDescriptor = 0x2C;

    /// <summary>The first frame's width times height, in bytes of indices; 0 for anything else, or a GIF whose frame is not there to read.</summary>
    internal static long FirstFrameBytes(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length < ScreenDescriptorEnd || !(encoded.StartsWith("GIF87a"u8) || encoded.StartsWith("GIF89a"u8)))
        {
            return 0;
        }

        var flags = encoded[10];
        var position = ScreenDescriptorEnd + ((flags & 0x80) != 0 ? 3 << ((flags & 0x07) + 1) : 0);
        while (position < encoded.Length)
        {
            switch (encoded[position])
            {
                case ImageDescriptor when position + 9 <= encoded.Length:
                    return (long)BinaryPrimitives.ReadUInt16LittleEndian(encoded[(position + 5)..]) * BinaryPrimitives.ReadUInt16LittleEndian(encoded[(position + 7)..]);
                case Extension:
                    // The introducer and label, then sub-blocks to the empty one.
                    position += 2;
                    while (position < encoded.Length && encoded[position] != 0)
                    {
                        position += 1 + encoded[position];
                    }

                    position++;
                    break;
                default:
                    return 0;
            }
        }

        return 0;
    }
}
