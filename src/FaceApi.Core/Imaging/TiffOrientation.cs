using SixLabors.ImageSharp.Metadata.Profiles.Exif;

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

    // Integer types libtiff does not take for a SHORT tag (TIFFReadDirEntryShort): IFD (13, Adobe's TIFF
    // Technical Note 1) and IFD8 (18, BigTIFF). The others TiffLayout reads it takes, when in range.
    private const ushort IfdType = 13;
    private const ushort Ifd8Type = 18;

    /// <summary>
    /// The orientation to turn the TIFF <paramref name="encoded"/> by, 1 to 8 in EXIF's numbering, which is
    /// TIFF's (TIFF 6.0 section 8; 1, <see cref="ExifOrientationMode.TopLeft"/>, the default, for none, and
    /// for anything that is not a TIFF).
    /// </summary>
    internal static ushort Read(ReadOnlySpan<byte> encoded)
    {
        if (!TiffLayout.TryReadFirstDirectory(encoded, out var layout, out var entries))
        {
            return ExifOrientationMode.TopLeft;
        }

        for (var at = 0; at < entries.Length; at += layout.EntrySize)
        {
            var entry = entries.Slice(at, layout.EntrySize);
            if (layout.ReadUInt16(entry) != OrientationTag)
            {
                continue;
            }

            // The first entry decides, valid or not.
            if (layout.ReadUInt16(entry[2..]) is IfdType or Ifd8Type)
            {
                return ExifOrientationMode.TopLeft;
            }

            var values = layout.ValuesOf(encoded, entry);
            if (values.Count != 1)
            {
                return ExifOrientationMode.TopLeft;
            }

            return values[0] is >= ExifOrientationMode.TopLeft and <= ExifOrientationMode.LeftBottom ? (ushort)values[0] : ExifOrientationMode.TopLeft;
        }

        return ExifOrientationMode.TopLeft;
    }
}
