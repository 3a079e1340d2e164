namespace FaceApi.Core.Imaging;

/// <summary>
/// The bytes ImageSharp 2.1.13's lossy WebP decoder holds beside the decoded image, from the image's size
/// and its VP8X flags. It decodes the VP8 frame into a BGRA buffer of 4 bytes a pixel
/// (<c>Vp8Decoder.Pixels</c>) before converting it to the image's pixels, and when the VP8X header says the
/// image has alpha, it also allocates the alpha plane, a byte a pixel (<c>AlphaDecoder.Alpha</c>), and a
/// lossless decoder's pixel buffer of 4 bytes a pixel, cleared, even for uncompressed alpha
/// (<c>Vp8LDecoder.Pixels</c>). Counted in <see cref="IdentifiedImage.DecoderBufferBytes"/>: sixteen
/// 87 KB all-black 7000x7000 WebPs at once, one admitted by a pixel budget that saw 3 bytes a pixel,
/// raised RSS by 311 MiB (2-core development VM, 2 December 2026).
/// </summary>
/// <remarks>
/// Lossless WebP never gets this far (<see cref="WebpLosslessRefusal"/>), nor animated WebP, which
/// ImageSharp 2.1 does not decode; the sizes ImageSharp decodes at are those Identify reports, the VP8
/// frame's own (it reads the VP8X canvas size only for animations).
/// </remarks>
internal static class WebpLossyCost
{
    private const int FrameBytesPerPixel = 4;
    private const int AlphaBytesPerPixel = 1 + 4;

    // An extended WebP's first chunk is VP8X, right after "RIFF", the size and "WEBP"; its data opens with
    // a flags byte whose bit 4 is "has alpha" (WebP container specification, "Extended File Format").
    private const int Vp8XFourCcAt = 12;
    private const int Vp8XFlagsAt = Vp8XFourCcAt + WebpChunkSearch.HeaderLength;
    private const byte AlphaFlag = 0x10;

    /// <summary>What decoding a <paramref name="width"/> x <paramref name="height"/> lossy WebP holds beside its pixels; 0 for other formats.</summary>
    internal static long DecoderBytes(ReadOnlySpan<byte> encoded, int width, int height)
    {
        if (!WebpChunkSearch.IsWebp(encoded))
        {
            return 0;
        }

        var bytesPerPixel = FrameBytesPerPixel + (HasAlphaFlag(encoded) ? AlphaBytesPerPixel : 0);
        return (long)width * height * bytesPerPixel;
    }

    private static bool HasAlphaFlag(ReadOnlySpan<byte> encoded) =>
        encoded.Length > Vp8XFlagsAt
        && encoded.Slice(Vp8XFourCcAt, 4).SequenceEqual("VP8X"u8)
        && (encoded[Vp8XFlagsAt] & AlphaFlag) != 0;
}
