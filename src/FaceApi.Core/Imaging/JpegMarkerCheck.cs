namespace FaceApi.Core.Imaging;

/// <summary>
/// Refuses a JPEG whose markers the pre-decode budgets (<see cref="JpegMetadataBudget"/>,
/// <see cref="TiffDirectoryBudget"/>, <see cref="JpegScanBudget"/>) could read differently from ImageSharp
/// 2.1.13, so that no segment can be hidden from them. A review found two ways: ImageSharp takes any file
/// that opens with SOI (0xFF 0xD8) as a JPEG and reads the next two bytes as a marker whether or not the
/// first is 0xFF, so <c>FF D8 00 E1</c> started an EXIF segment the walk, which expects a marker, stepped
/// over; and for a marker it has no case for (JPGn, a second SOI, reserved codes) it reads the length but
/// not the payload, so an APP1 or SOS inside such a segment was parsed by ImageSharp and skipped by the
/// walk (65,000 EXIF entries, or 1,000 extra scans, got past the budgets that way). Rather than follow
/// ImageSharp's quirks, only the markers both read alike pass: those ImageSharp reads by their length.
/// Photos do not carry the others (ITU-T T.81, Table B.1).
/// </summary>
internal static class JpegMarkerCheck
{
    /// <summary>
    /// Throws <see cref="ImageDecodingException"/> with <see cref="ImageErrorCode.InvalidImage"/> when
    /// <paramref name="encoded"/> opens with SOI but its third byte is not a marker's 0xFF, or it has a
    /// marker outside the set below, or bytes other than fill bytes between its segments.
    /// </summary>
    internal static void Enforce(ReadOnlySpan<byte> encoded)
    {
        if (!encoded.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8]))
        {
            return;
        }

        if (encoded.Length < 3 || encoded[2] != 0xFF)
        {
            throw Refusal("it does not start with a marker after SOI");
        }

        var walk = new JpegMarkerWalk(encoded);
        while (walk.MoveNext() && walk.Marker != JpegMarkerWalk.EndOfImage)
        {
            if (!IsReadByLength(walk.Marker))
            {
                throw Refusal($"marker 0x{walk.Marker:X2}");
            }
        }

        if (walk.SkippedExtraneousBytes)
        {
            throw Refusal("bytes between its segments that are not a marker");
        }
    }

    // SOF0-15 but 0xC8 (JPG), with DHT (0xC4) and DAC (0xCC) among them; SOS, DQT, DRI; APP0-15; COM.
    // Left out: TEM and RSTn outside entropy-coded data (0x01, 0xD0-0xD7), a second SOI (0xD8), DNL,
    // DHP and EXP (0xDC, 0xDE, 0xDF), JPG and JPGn (0xC8, 0xF0-0xFD) and the reserved 0x02-0xBF.
    private static bool IsReadByLength(byte marker) =>
        marker is (>= 0xC0 and <= 0xCF and not 0xC8) or JpegMarkerWalk.StartOfScan or 0xDB or 0xDD or (>= 0xE0 and <= 0xEF) or 0xFE;

    private static ImageDecodingException Refusal(string what) =>
        new(ImageErrorCode.InvalidImage, $"The JPEG image's structure is not one this service reads ({what}).");
}
