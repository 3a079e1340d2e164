namespace FaceApi.Core.Imaging;

/// <summary>
/// A TIFF's Orientation tag (274, TIFF 6.0 section 8) as the reference decoder, OpenCV 4.6's
/// <c>cv2.imread</c>, applies it. ImageSharp 2.1.13 keeps a TIFF's tags on its first frame
/// (<c>TiffDecoderMetadataCreator</c>), where <c>AutoOrient</c> does not look, so a TIFF came out as stored
/// where OpenCV turns it upright: a camera's portrait TIFF lay on its side for the detector.
/// </summary>
/// <remarks>
/// OpenCV reads the tag through libtiff, from the first directory only. Checked against Debian's
/// <c>python3-opencv</c> 4.6 with libtiff 4.5 on crafted TIFFs (2 December 2026): values 1 to 8 are
/// applied as EXIF orientations are, in either byte order and typed BYTE, SHORT, SSHORT, LONG or SLONG;
/// a value outside 1 to 8 (0, 9, 65542), a count of two, a non-integer type, or an Orientation only in the
/// EXIF directory leaves the image as stored; of two Orientation entries the first counts.
/// </remarks>
internal static class TiffOrientation
{
    private const ushort OrientationTag = 274;

    // TIFF 6.0 section 8: 1 is "row 0 at the top, column 0 at the left", the default; 8 is the last defined.
    private const ushort TopLeft = 1;
    private const ushort LastDefined = 8;

    // Integer types libtiff does not take for a SHORT tag (TIFFReadDirEntryShort): IFD (13, Adobe's TIFF
    // Technical Note 1) and IFD8 (18, BigTIFF). The others TiffLayout reads it takes, when in range.
    private const ushort IfdType = 13;
    private const ushort Ifd8Type = 18;

    /// <summary>
    /// The orientation to turn the TIFF <paramref name="encoded"/> by, in EXIF's numbering (the same as
    /// TIFF's); <see cref="TopLeft"/> for none, and for anything that is not a TIFF.
    /// </summary>
    internal static ushort Read(ReadOnlySpan<byte> encoded)
    {
        if (!TiffLayout.TryReadFirstDirectory(encoded, out var layout, out var entries))
        {
            return TopLeft;
        }

        for (var at = 0; at < entries.Length; at += layout.EntrySize)
        {
            var entry = entries.Slice(at, layout.EntrySize);
            if (layout.ReadUInt16(entry) != OrientationTag)
            {
                continue;
            }

            var values = layout.ValuesOf(encoded, entry);
            return layout.ReadUInt16(entry[2..]) is not (IfdType or Ifd8Type) && values.Count == 1 && values[0] is >= TopLeft and <= LastDefined ? (ushort)values[0] : TopLeft;
        }

        return TopLeft;
    }
}
