namespace FaceApi.Core.Imaging;

/// <summary>
/// Refuses JPEGs with more scans than encoders write, before ImageSharp decodes them. A progressive JPEG
/// refines its coefficients over several scans (libjpeg's and mozjpeg's progressive scripts write 10 for
/// a colour photo, 6 for a grey one; a baseline JPEG has one scan per component at most, ITU-T T.81
/// B.2.3), and ImageSharp 2.1.13 passes over every block of a scan's components for each scan, so the
/// cost is scans times pixels whatever the scans hold. Measured on this project's 2-core machine, a
/// 7000x7000 grey progressive JPEG whose last scan (75 bytes) was repeated 100 times cost 5.9
/// CPU-seconds to answer and 1000 times 42.6 s, from a 267 KB upload; a 256x256 one with 100,000
/// repeats (1.2 MB) about 5 s.
/// </summary>
internal static class JpegScanBudget
{
    /// <summary>
    /// Throws <see cref="ImageDecodingException"/> with <see cref="ImageErrorCode.ImageTooLarge"/> when
    /// <paramref name="encoded"/> is a JPEG with more than <paramref name="maxScans"/> scans. Anything else
    /// passes untouched.
    /// </summary>
    internal static void Enforce(ReadOnlySpan<byte> encoded, int maxScans)
    {
        if (!encoded.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return;
        }

        var scans = 0;
        var walk = new JpegMarkerWalk(encoded);
        while (walk.MoveNext() && walk.Marker != JpegMarkerWalk.EndOfImage)
        {
            if (walk.Marker == JpegMarkerWalk.StartOfScan && ++scans > maxScans)
            {
                throw new ImageDecodingException(
                    ImageErrorCode.ImageTooLarge,
                    $"The JPEG image has more than {maxScans} scans, the limit (a progressive JPEG usually has 10); re-encode it.");
            }
        }
    }
}
