using System.Buffers.Binary;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Byte order and field sizes of a TIFF structure, classic (TIFF 6.0, section 2: a 2-byte entry count,
/// 12-byte entries, 4-byte offsets) or BigTIFF (an 8-byte count, 20-byte entries, 8-byte offsets), and
/// how to read its entries' integer values. Offsets and value counts are both <see cref="OffsetSize"/> bytes.
/// </summary>
internal readonly record struct TiffLayout(bool BigEndian, int CountSize, int EntrySize, int OffsetSize, long FirstDirectory)
{
    // Field types that hold integers, and their sizes (TIFF 6.0 section 2: BYTE 1, SHORT 3, LONG 4, SBYTE
    // 6, SSHORT 8, SLONG 9; Adobe's TIFF Technical Note 1 for IFD = 13; BigTIFF for LONG8 = 16, SLONG8 =
    // 17 and IFD8 = 18). ImageSharp 2.1.13 takes a signed type wherever it takes an unsigned one (a value
    // of 0 or more), so a check that read only the unsigned types could be walked around (found in review).
    private static int IntegerSize(ushort type) => type switch
    {
        1 or 6 => 1,
        3 or 8 => 2,
        4 or 9 or 13 => 4,
        16 or 17 or 18 => 8,
        _ => 0,
    };

    private static bool IsSigned(ushort type) => type is 6 or 8 or 9 or 17;

    /// <summary>
    /// The layout of <paramref name="tiff"/>, which starts with the TIFF header ("II" or "MM", then 42, or
    /// 43 for BigTIFF); null for anything else.
    /// </summary>
    public static TiffLayout? Read(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8)
        {
            return null;
        }

        // ImageSharp reads anything but "II" as big-endian, so this does too.
        var bigEndian = tiff[0] != 'I' || tiff[1] != 'I';
        var classic = new TiffLayout(bigEndian, CountSize: 2, EntrySize: 12, OffsetSize: 4, FirstDirectory: 0);
        switch (classic.ReadUInt16(tiff[2..]))
        {
            case 42:
                return classic with { FirstDirectory = classic.ReadUInt32(tiff[4..]) };
            case 43 when tiff.Length >= 16:
                // BigTIFF: the offset size (8), a reserved 0, then an 8-byte first offset.
                var big = new TiffLayout(bigEndian, CountSize: 8, EntrySize: 20, OffsetSize: 8, FirstDirectory: 0);
                return big with { FirstDirectory = big.ReadOffset(tiff[8..]) };
            default:
                return null;
        }
    }

    public ushort ReadUInt16(ReadOnlySpan<byte> data) =>
        BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(data) : BinaryPrimitives.ReadUInt16LittleEndian(data);

    public uint ReadUInt32(ReadOnlySpan<byte> data) =>
        BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data) : BinaryPrimitives.ReadUInt32LittleEndian(data);

    /// <summary>
    /// Reads the layout of <paramref name="tiff"/> and finds its first directory, the one that describes the
    /// first image. <paramref name="entries"/> are that directory's entries the data holds, <see cref="EntrySize"/>
    /// bytes each. False for anything that is not a TIFF structure, or whose first directory is not there to read.
    /// </summary>
    public static bool TryReadFirstDirectory(ReadOnlySpan<byte> tiff, out TiffLayout layout, out ReadOnlySpan<byte> entries)
    {
        entries = [];
        if (Read(tiff) is not { } read || read.FirstDirectory <= 0 || read.FirstDirectory > tiff.Length - read.CountSize)
        {
            layout = default;
            return false;
        }

        layout = read;
        var directory = tiff[(int)read.FirstDirectory..];
        var present = (directory.Length - read.CountSize) / read.EntrySize;
        entries = directory.Slice(read.CountSize, (int)Math.Min(read.ReadDirectoryCount(directory), present) * read.EntrySize);
        return true;
    }

    /// <summary>An offset or value count: 4 bytes in classic TIFF, 8 in BigTIFF (read up to <see cref="long.MaxValue"/>).</summary>
    public long ReadOffset(ReadOnlySpan<byte> data) => OffsetSize == 4
        ? ReadUInt32(data)
        : (long)Math.Min(BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(data) : BinaryPrimitives.ReadUInt64LittleEndian(data), long.MaxValue);

    /// <summary>A directory's entry count: 2 bytes in classic TIFF, 8 in BigTIFF.</summary>
    public long ReadDirectoryCount(ReadOnlySpan<byte> directory) => CountSize == 2
        ? ReadUInt16(directory)
        : ReadOffset(directory);

    /// <summary>
    /// The integer values of an <paramref name="entry"/> (its tag (2 bytes), field type (2), value count (4,
    /// BigTIFF 8) and value field (4, BigTIFF 8), which holds the values when they fit in it, else their
    /// offset in <paramref name="tiff"/>), as many as the data holds of the count it declares. Empty for
    /// other field types, or values outside the data.
    /// </summary>
    public TiffValues ValuesOf(ReadOnlySpan<byte> tiff, ReadOnlySpan<byte> entry)
    {
        var type = ReadUInt16(entry[2..]);
        var size = IntegerSize(type);
        var count = ReadOffset(entry[4..]);
        if (size == 0 || count == 0)
        {
            return default;
        }

        ReadOnlySpan<byte> source = entry.Slice(4 + OffsetSize, OffsetSize);
        if (count > OffsetSize / size)
        {
            var start = ReadOffset(source);
            source = start > 0 && start < tiff.Length ? tiff[(int)start..] : [];
        }

        return new TiffValues(this, source[..(int)(Math.Min(count, source.Length / size) * size)], size, IsSigned(type), type is 3 or 4 or 8 or 9);
    }
}
