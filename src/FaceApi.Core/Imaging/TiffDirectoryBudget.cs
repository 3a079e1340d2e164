using System.Buffers;
using System.Buffers.Binary;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Refuses images whose TIFF-structured metadata declares more directory entries than allowed, before
/// ImageSharp reads them: the EXIF of a JPEG (its "Exif" APP1 segments, joined as ImageSharp joins them)
/// or of a WebP (its EXIF chunks), and a TIFF file's own directories. ImageSharp 2.1.13 checks each entry
/// it reads against all it has kept, so its cost grows with the square of the entries: measured on this
/// project's 2-core machine, obama.jpg with 5,000 EXIF entries in one 60 KB segment cost 0.4-0.5
/// CPU-seconds to answer, with 20,000 (240 KB) 4-5 s and with 65,000 (780 KB, within the JPEG metadata
/// byte budget) 35-37 s; a 780 KB TIFF with 65,000 tags 37 s.
/// </summary>
internal static class TiffDirectoryBudget
{
    // EXIF sits in an APP1 segment that opens with this identifier (CIPA DC-008 Exif 2.32, 4.5.4).
    private const byte App1Marker = 0xE1;
    private static readonly byte[] ExifIdentifier = "Exif\0\0"u8.ToArray();

    /// <summary>
    /// Throws <see cref="ImageDecodingException"/> with <see cref="ImageErrorCode.MetadataTooLarge"/> when
    /// the directories and entries of <paramref name="encoded"/>'s TIFF structures (<see cref="TiffDirectoryWalk"/>)
    /// number more than <paramref name="maxEntries"/>. Other formats, and malformed structures that no
    /// reader would get far in, pass: the decoder gives the verdict on them.
    /// </summary>
    internal static void Enforce(ReadOnlySpan<byte> encoded, int maxEntries)
    {
        var entries = encoded switch
        {
            _ when JpegMarkerWalk.IsJpeg(encoded) => CountJpegExif(encoded, maxEntries),
            _ when WebpChunkSearch.IsWebp(encoded) => CountWebpExif(encoded, maxEntries),
            [(byte)'I', (byte)'I', 42 or 43, 0, ..] or [(byte)'M', (byte)'M', 0, 42 or 43, ..] => TiffDirectoryWalk.Count(encoded, maxEntries),
            _ => 0,
        };
        if (entries > maxEntries)
        {
            throw new ImageDecodingException(
                ImageErrorCode.MetadataTooLarge,
                $"The image's EXIF or TIFF directories hold more entries than this service reads (limit: {maxEntries}); strip its metadata and retry.");
        }
    }

    // ImageSharp reads the payload after the identifier of the first "Exif" APP1 segment and appends those
    // of any later ones (extended EXIF, which offsets address as one block).
    private static int CountJpegExif(ReadOnlySpan<byte> encoded, int maxEntries)
    {
        var segments = 0;
        var bytes = 0;
        ReadOnlySpan<byte> first = default;
        var walk = new JpegMarkerWalk(encoded);
        while (walk.MoveNext() && walk.Marker != JpegMarkerWalk.EndOfImage)
        {
            if (ExifOf(walk.Marker, walk.Payload) is { Length: > 0 } exif)
            {
                if (segments == 0)
                {
                    first = exif;
                }

                segments++;
                bytes += exif.Length;
            }
        }

        if (segments <= 1)
        {
            return TiffDirectoryWalk.Count(first, maxEntries);
        }

        // The segments do not overlap, so they join into at most the file's length.
        var joined = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            var length = 0;
            walk = new JpegMarkerWalk(encoded);
            while (walk.MoveNext() && walk.Marker != JpegMarkerWalk.EndOfImage)
            {
                var exif = ExifOf(walk.Marker, walk.Payload);
                exif.CopyTo(joined.AsSpan(length));
                length += exif.Length;
            }

            return TiffDirectoryWalk.Count(joined.AsSpan(0, length), maxEntries);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(joined);
        }
    }

    private static ReadOnlySpan<byte> ExifOf(byte marker, ReadOnlySpan<byte> payload) =>
        marker == App1Marker && payload.StartsWith(ExifIdentifier) ? payload[ExifIdentifier.Length..] : default;

    // EXIF is a chunk of its own in a WebP, sometimes opening with the JPEG identifier. Every "EXIF" in the
    // file is read as one (WebpChunkSearch): a second probe hid 65,000 entries from a walk of the chunks
    // and ImageSharp read them (38 CPU-seconds).
    private static int CountWebpExif(ReadOnlySpan<byte> encoded, int maxEntries)
    {
        var entries = 0;
        for (var at = WebpChunkSearch.Next(encoded, "EXIF"u8, 0); at >= 0 && entries <= maxEntries; at = WebpChunkSearch.Next(encoded, "EXIF"u8, at + 1))
        {
            var chunk = encoded[at..];
            if (chunk.Length < WebpChunkSearch.HeaderLength)
            {
                break;
            }

            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            var exif = chunk[WebpChunkSearch.HeaderLength..][..(int)Math.Min(size, chunk.Length - WebpChunkSearch.HeaderLength)];
            exif = exif.StartsWith(ExifIdentifier) ? exif[ExifIdentifier.Length..] : exif;
            entries += TiffDirectoryWalk.Count(exif, maxEntries - entries);
        }

        return entries;
    }
}
