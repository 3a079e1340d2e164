using System.Buffers.Binary;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Detects truncated uploads. ImageSharp 2.1 decodes a JPEG, PNG or WebP cut in half without complaint and
/// fills the missing part with grey or black (measured with 2.1.13), which would hand a half-blank photo to
/// face detection. These checks walk the container structure only, never the pixel data.
/// </summary>
internal static class EncodedImageCompleteness
{
    /// <summary>
    /// Whether the structure of <paramref name="encoded"/> ends where its format says it ends. Formats
    /// without a cheap end marker (GIF, BMP, TIFF) are left to the codec and reported complete.
    /// </summary>
    internal static bool IsComplete(IImageFormat format, ReadOnlySpan<byte> encoded) => format switch
    {
        JpegFormat => JpegReachesEndOfImage(encoded),
        PngFormat => PngReachesEndChunk(encoded),
        WebpFormat => WebpChunksFitInData(encoded),
        _ => true,
    };

    // Walks markers from after SOI to EOI. Trailing bytes after EOI (phone "motion photo" videos, padding)
    // are allowed.
    private static bool JpegReachesEndOfImage(ReadOnlySpan<byte> encoded)
    {
        var walk = new JpegMarkerWalk(encoded);
        while (walk.MoveNext())
        {
            if (walk.Marker == JpegMarkerWalk.EndOfImage)
            {
                return true;
            }
        }

        return false;
    }

    // The chunks after the signature (see PngChunkFraming) end with IEND (PNG, ISO/IEC 15948, 11.2.5).
    private static bool PngReachesEndChunk(ReadOnlySpan<byte> encoded)
    {
        for (long position = PngChunkFraming.SignatureLength; PngChunkFraming.HasChunkAt(encoded, position); position = PngChunkFraming.NextAfter(encoded, position))
        {
            if (PngChunkFraming.TypeAt(encoded, position).SequenceEqual("IEND"u8))
            {
                return true;
            }
        }

        return false;
    }

    // "RIFF", size, "WEBP", then chunks of FourCC, 32-bit little-endian size and data padded to an even
    // length (WebP container specification, "RIFF File Format"). The chunks are walked rather than the RIFF
    // size trusted: ImageSharp 2.1.13's own lossless encoder writes a RIFF size 18 bytes too large.
    private static bool WebpChunksFitInData(ReadOnlySpan<byte> encoded)
    {
        const int FirstChunkOffset = 12;
        const int ChunkHeaderLength = 8;
        long position = FirstChunkOffset;
        while (position + ChunkHeaderLength <= encoded.Length)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(encoded[((int)position + 4)..]);
            position += ChunkHeaderLength + size;
            if (position > encoded.Length)
            {
                return false;
            }

            position += size & 1;
        }

        // A missing pad byte after the last chunk is harmless; a partial chunk header is not.
        return position >= encoded.Length;
    }
}
