namespace FaceApi.Core.Imaging;

/// <summary>
/// One walk over a JPEG's markers before ImageSharp 2.1.13 reads it, refusing what the other pre-decode
/// budgets (<see cref="JpegMetadataBudget"/>, <see cref="TiffDirectoryBudget"/>) could not see, and
/// scans beyond a limit.
/// </summary>
/// <remarks>
/// <para>
/// Markers read two ways: a review found that for a marker ImageSharp has no case for (JPGn, a second SOI,
/// reserved codes) it reads the length but not the payload, so an APP1 or SOS inside such a segment was
/// parsed by ImageSharp and skipped by the walk (65,000 EXIF entries, or 1,000 extra scans, got past the
/// budgets that way). Rather than follow ImageSharp's quirks, only the markers both read alike pass: those
/// ImageSharp reads by their length. Photos do not carry the others (ITU-T T.81, Table B.1), and libjpeg
/// refuses most of them too (<c>JERR_UNKNOWN_MARKER</c>). These are refused as
/// <see cref="ImageErrorCode.InvalidImage"/>. Stray bytes between segments, which ImageSharp also reads its
/// own way, are not refused: ImageSharp is given the segments as the walk found them
/// (<see cref="JpegLibjpegTolerance"/>).
/// </para>
/// <para>
/// After the first scan ImageSharp can read out of step with the walk: its scan decoder stops where the
/// scan's last block ends, and if bytes follow before the next marker it reads on from there two bytes at a
/// time, so it can step past a marker into the payload of the segment after it and read that payload as
/// segments (a review hid 20,000 EXIF entries, or 4,000 scans costing 7.5 CPU-s from 103 KB, in comments
/// after a scan padded with 64 bytes). Whatever it reads out of step, it can only act on a marker, and
/// entropy-coded data holds none; so a segment after the first scan whose payload holds one (0xFF and a
/// code other than 0x00, 0xFF and RSTn) is refused as <see cref="ImageErrorCode.InvalidImage"/>. Encoders put
/// tables and scan headers there, which hold none.
/// </para>
/// <para>
/// Scans: a progressive JPEG refines its coefficients over several scans (libjpeg's and mozjpeg's
/// progressive scripts write 10 for a colour photo, 6 for a grey one; a baseline JPEG has one scan per
/// component at most, T.81 B.2.3), and ImageSharp passes over every block of a scan's components for
/// each scan, so the cost is scans times pixels whatever the scans hold. Measured on this project's
/// 2-core machine, a 7000x7000 grey progressive JPEG whose last scan (75 bytes) was repeated 100 times
/// cost 5.9 CPU-seconds to answer and 1000 times 42.6 s, from a 267 KB upload; a 256x256 one with 100,000
/// repeats (1.2 MB) about 5 s. More than the limit is refused as <see cref="ImageErrorCode.ImageTooLarge"/>.
/// </para>
/// </remarks>
internal static class JpegStructureCheck
{
    /// <summary>
    /// Throws <see cref="ImageDecodingException"/> when <paramref name="encoded"/> opens with SOI and then
    /// has a marker outside the set below (<see cref="ImageErrorCode.InvalidImage"/>) or more than
    /// <paramref name="maxScans"/> scans (<see cref="ImageErrorCode.ImageTooLarge"/>), whichever the walk
    /// meets first. Anything that does not open with SOI passes untouched.
    /// </summary>
    internal static void Enforce(ReadOnlySpan<byte> encoded, int maxScans)
    {
        if (!JpegMarkerWalk.IsJpeg(encoded))
        {
            return;
        }

        var scans = 0;
        var walk = new JpegMarkerWalk(encoded);
        while (walk.MoveNext() && walk.Marker != JpegMarkerWalk.EndOfImage)
        {
            if (!IsReadByLength(walk.Marker))
            {
                throw Unreadable($"marker 0x{walk.Marker:X2}");
            }

            if (scans > 0 && HoldsAMarker(walk.Payload))
            {
                throw Unreadable($"a marker inside the 0x{walk.Marker:X2} segment after its first scan");
            }

            if (walk.Marker == JpegMarkerWalk.StartOfScan && ++scans > maxScans)
            {
                throw new ImageDecodingException(
                    ImageErrorCode.ImageTooLarge,
                    $"The JPEG image has more than {maxScans} scans, the limit (a progressive JPEG usually has 10); re-encode it.");
            }
        }
    }

    // SOF0-15 but 0xC8 (JPG), with DHT (0xC4) and DAC (0xCC) among them; SOS, DQT, DRI; APP0-15; COM.
    // Left out: TEM and RSTn outside entropy-coded data (0x01, 0xD0-0xD7), a second SOI (0xD8), DNL,
    // DHP and EXP (0xDC, 0xDE, 0xDF), JPG and JPGn (0xC8, 0xF0-0xFD) and the reserved 0x02-0xBF.
    private static bool IsReadByLength(byte marker) =>
        marker is (>= 0xC0 and <= 0xCF and not 0xC8) or JpegMarkerWalk.StartOfScan or 0xDB or 0xDD or (>= 0xE0 and <= 0xEF) or 0xFE;

    // A 0xFF followed by a marker code: anything but a stuffed 0x00, a fill 0xFF or a restart marker (B.1.1.2,
    // B.1.1.5), which ImageSharp reads as a marker with no case and no effect.
    private static bool HoldsAMarker(ReadOnlySpan<byte> payload)
    {
        int at;
        while ((at = payload.IndexOf((byte)0xFF)) >= 0 && at + 1 < payload.Length)
        {
            if (payload[at + 1] is not (0x00 or 0xFF or (>= 0xD0 and <= 0xD7)))
            {
                return true;
            }

            payload = payload[(at + 1)..];
        }

        return false;
    }

    private static ImageDecodingException Unreadable(string what) =>
        new(ImageErrorCode.InvalidImage, $"The JPEG image's structure is not one this service reads ({what}).");
}
