namespace FaceApi.Core.Imaging;

/// <summary>
/// Refuses a PNG with an IHDR chunk anywhere but first, before ImageSharp 2.1.13 reads it. The standard
/// allows one, first (ISO/IEC 15948, 5.6); ImageSharp takes each it meets, so Identify reports the last and
/// Decode allocates the image by the one before the first IDAT. An attacking session's PNG declaring
/// 36000x36000 and then 1x1 passed every limit as 1x1 and made Decode allocate and clear the large one
/// (2 December 2026).
/// </summary>
internal static class PngHeaderCheck
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <exception cref="ImageDecodingException">A PNG with a second IHDR chunk (<see cref="ImageErrorCode.InvalidImage"/>).</exception>
    internal static void Enforce(ReadOnlySpan<byte> encoded)
    {
        if (!encoded.StartsWith(Signature) || !PngChunkFraming.HasChunkAt(encoded, PngChunkFraming.SignatureLength))
        {
            return;
        }

        // Chunk by chunk from the second: the first is the header itself.
        for (var position = PngChunkFraming.NextAfter(encoded, PngChunkFraming.SignatureLength); PngChunkFraming.HasChunkAt(encoded, position); position = PngChunkFraming.NextAfter(encoded, position))
        {
            if (PngChunkFraming.TypeAt(encoded, position).SequenceEqual("IHDR"u8))
            {
                throw new ImageDecodingException(ImageErrorCode.InvalidImage, "The PNG image has an IHDR chunk other than its first.");
            }
        }
    }
}
