namespace FaceApi.Core.Imaging;

/// <summary>
/// Refuses lossless WebP, and lossy WebP whose alpha is compressed losslessly, before ImageSharp decodes
/// them. ImageSharp 2.1.13's lossless decoder allocates and builds every Huffman group that the image's
/// meta-prefix image names, used or not (libwebp builds only those used): a second probe of issue 13 sent
/// a valid 164 KB lossless WebP of one pixel naming 65,536 groups, which took 9 CPU-seconds and 1.2 GB;
/// four at once 4.4 GB. The pixel budget does not see it (one pixel), and bounding the groups would mean
/// decoding the lossless bitstream here. Alpha compressed losslessly uses the same bitstream (WebP
/// container specification, "Alpha"). Face photos arrive as JPEG, PNG or lossy WebP.
/// </summary>
internal static class WebpLosslessRefusal
{
    // A lossless bitstream opens with this signature byte (WebP Lossless Bitstream Specification, 3.1).
    private const byte LosslessSignature = 0x2F;

    // The ALPH chunk's first byte holds the compression method in its two low bits; 1 is lossless.
    private const int AlphaCompressionMask = 0x03;
    private const int LosslessAlpha = 1;

    /// <summary>
    /// Throws <see cref="ImageDecodingException"/> with <see cref="ImageErrorCode.UnsupportedFormat"/> when
    /// <paramref name="encoded"/> is a WebP with a lossless image or losslessly compressed alpha.
    /// </summary>
    /// <remarks>Every "VP8L" and "ALPH" chunk header in the file is looked at (<see cref="WebpChunkSearch"/>).</remarks>
    internal static void Enforce(ReadOnlySpan<byte> encoded)
    {
        if (!WebpChunkSearch.IsWebp(encoded))
        {
            return;
        }

        if (HasChunk(encoded, "VP8L"u8, first => first == LosslessSignature)
            || HasChunk(encoded, "ALPH"u8, first => (first & AlphaCompressionMask) == LosslessAlpha))
        {
            throw new ImageDecodingException(
                ImageErrorCode.UnsupportedFormat,
                "Lossless WebP images, and WebP with losslessly compressed transparency, are not supported; send JPEG, PNG or lossy WebP.");
        }
    }

    // Whether a chunk of this FourCC has data whose first byte says it is lossless.
    private static bool HasChunk(ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> fourCc, Func<byte, bool> isLossless)
    {
        for (var at = WebpChunkSearch.Next(encoded, fourCc, 0); at >= 0; at = WebpChunkSearch.Next(encoded, fourCc, at + 1))
        {
            var data = at + WebpChunkSearch.HeaderLength;
            if (data < encoded.Length && isLossless(encoded[data]))
            {
                return true;
            }
        }

        return false;
    }
}
