namespace FaceApi.Core.Imaging;

/// <summary>
/// Finds a WebP's chunks of one kind by their FourCC anywhere in the file, not by walking the chunks:
/// ImageSharp 2.1.13 walks them its own way (it reads 10 bytes of a VP8X chunk whatever size the chunk
/// declares, and skips a chunk by its size cast to int, so a negative size skips nothing), and a second
/// probe of issue 13 hid an EXIF chunk from a walk that way while ImageSharp read it. Every occurrence is
/// a superset of what any walk reaches. A chunk is its FourCC, a 32-bit little-endian size and its data
/// (WebP container specification, "RIFF File Format").
/// </summary>
internal static class WebpChunkSearch
{
    /// <summary>A chunk's FourCC and size: its data starts this far into it.</summary>
    public const int HeaderLength = 8;

    /// <summary>Whether <paramref name="encoded"/> is a RIFF WebP: "RIFF", size, "WEBP".</summary>
    public static bool IsWebp(ReadOnlySpan<byte> encoded) =>
        encoded is [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..];

    /// <summary>Where the next <paramref name="fourCc"/> at or after <paramref name="from"/> starts; -1 when there is none.</summary>
    public static int Next(ReadOnlySpan<byte> encoded, ReadOnlySpan<byte> fourCc, int from) =>
        from >= encoded.Length ? -1 : encoded[from..].IndexOf(fourCc) is >= 0 and var found ? from + found : -1;
}
