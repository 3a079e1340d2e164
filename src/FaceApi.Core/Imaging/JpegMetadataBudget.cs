namespace FaceApi.Core.Imaging;

/// <summary>
/// Refuses JPEGs whose metadata segments (APPn: EXIF, XMP, ICC, IPTC...; COM) are too many or too large,
/// before ImageSharp reads them. ImageSharp 2.1.13 appends each further EXIF, ICC or XMP segment to the
/// ones before by copying, so its cost grows with segments times bytes: measured on this project's
/// 2-core machine, obama.jpg with 1024 EXIF segments of 1 KB cost 0.38 CPU-seconds to decode, with 4096
/// of them 3.9 s and with 8192 of them 20.6 s; 315 segments of 64 KB took 18 CPU-seconds (issue 13).
/// </summary>
internal static class JpegMetadataBudget
{
    private const byte FirstApplicationMarker = 0xE0;
    private const byte LastApplicationMarker = 0xEF;
    private const byte CommentMarker = 0xFE;

    /// <summary>
    /// Throws <see cref="ImageDecodingException"/> with <see cref="ImageErrorCode.MetadataTooLarge"/> when
    /// <paramref name="encoded"/> is a JPEG with more than <paramref name="maxSegments"/> metadata segments
    /// or more than <paramref name="maxBytes"/> bytes in them. Anything else passes untouched: the walk
    /// stops at the first sign of a truncated file and leaves the verdict to the decoder.
    /// </summary>
    internal static void Enforce(ReadOnlySpan<byte> encoded, int maxSegments, int maxBytes)
    {
        if (!JpegMarkerWalk.IsJpeg(encoded))
        {
            return;
        }

        var segments = 0;
        long bytes = 0;
        var walk = new JpegMarkerWalk(encoded);
        while (walk.MoveNext() && walk.Marker != JpegMarkerWalk.EndOfImage)
        {
            // Application segments may also sit between the scans of a progressive JPEG, and ImageSharp
            // reads those too, so the whole file is walked, not only the header.
            if (walk.Marker is (>= FirstApplicationMarker and <= LastApplicationMarker) or CommentMarker)
            {
                segments++;
                bytes += walk.SegmentLength;
                if (segments > maxSegments || bytes > maxBytes)
                {
                    throw new ImageDecodingException(
                        ImageErrorCode.MetadataTooLarge,
                        $"The image carries more metadata than this service reads (limits: {maxSegments} metadata segments, {maxBytes} bytes); strip its metadata and retry.");
                }
            }
        }
    }
}
