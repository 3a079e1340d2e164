using System.Buffers.Binary;

namespace FaceApi.Core.Imaging;

/// <summary>
/// Counts the image file directories (IFDs) of a TIFF-structured block and the entries they declare,
/// reading headers, counts and directory pointers only: a TIFF file, or the EXIF a JPEG or WebP carries,
/// which is the same structure (CIPA DC-008 Exif 2.32, 4.6.2). Classic TIFF (TIFF 6.0, section 2: a
/// 2-byte entry count, 12-byte entries, 4-byte offsets) and BigTIFF (an 8-byte count, 20-byte entries,
/// 8-byte offsets) are both read, because ImageSharp 2.1.13 reads both.
/// </summary>
/// <remarks>
/// It follows every directory a reader may visit: the chain of next-directory offsets (pages, and
/// EXIF's thumbnail directory), and the EXIF, GPS and interoperability pointers and SubIFDs arrays
/// (tags 0x8769, 0x8825, 0xA005 and 0x014A). That is more than ImageSharp follows (its EXIF reader stops
/// after the thumbnail directory and skips SubIFDs), so the count is an upper bound of what it parses.
/// Each directory is visited once, so a pointer loop ends the walk. Every directory counts one, every
/// entry one, and every directory pointer read one, so that the walk's own work is bounded by the limit
/// too (a review found 1,000 SubIFDs entries of 2^32 zero pointers each kept it busy 36 s). A classic
/// directory counts the entries present; a BigTIFF one counts what it declares, because ImageSharp loops
/// over a declared count even when the data ends first, which a count of 2^63 would make endless.
/// </remarks>
internal ref struct TiffDirectoryWalk
{
    private const ushort ExifPointer = 0x8769;
    private const ushort GpsPointer = 0x8825;
    private const ushort InteroperabilityPointer = 0xA005;
    private const ushort SubDirectories = 0x014A;

    // Compression (TIFF 6.0 section 8): 6 is the old-style JPEG of TIFF 6.0 section 22, 7 the JPEG of
    // Adobe's TIFF Technical Note 2.
    private const ushort Compression = 0x0103;
    private const ushort OldStyleJpeg = 6;
    private const ushort Jpeg = 7;

    // Field types that can hold a directory offset (TIFF 6.0 section 2; Adobe's TIFF Technical Note 1
    // for IFD = 13; BigTIFF for LONG8 = 16 and IFD8 = 18).
    private const ushort ShortType = 3;
    private const ushort LongType = 4;
    private const ushort IfdType = 13;
    private const ushort Long8Type = 16;
    private const ushort Ifd8Type = 18;

    private readonly ReadOnlySpan<byte> _tiff;
    private readonly Layout _layout;
    private readonly int _limit;
    private readonly HashSet<long> _seen = [];
    private readonly Stack<long> _pending = new();
    private int _counted;
    private bool _jpegCompressed;

    private TiffDirectoryWalk(ReadOnlySpan<byte> tiff, Layout layout, int limit)
    {
        _tiff = tiff;
        _layout = layout;
        _limit = limit;
    }

    private readonly bool WithinLimit => _counted <= _limit;

    /// <summary>
    /// The directories and entries reachable in <paramref name="tiff"/>, which starts with the TIFF header
    /// ("II" or "MM", then 42, or 43 for BigTIFF). Stops once the count passes <paramref name="limit"/> and
    /// returns what it has counted by then, more than <paramref name="limit"/>. Data that is not TIFF
    /// counts 0.
    /// </summary>
    internal static int Count(ReadOnlySpan<byte> tiff, int limit) => Count(tiff, limit, out _);

    /// <inheritdoc cref="Count(ReadOnlySpan{byte}, int)"/>
    /// <param name="tiff">The TIFF structure.</param>
    /// <param name="limit">Where to stop counting.</param>
    /// <param name="jpegCompressed">Whether a directory read before stopping declares JPEG compression (6 or 7).</param>
    internal static int Count(ReadOnlySpan<byte> tiff, int limit, out bool jpegCompressed)
    {
        jpegCompressed = false;
        // ImageSharp reads anything but "II" as big-endian, so this does too.
        if (tiff.Length < 8 || ReadLayout(tiff, bigEndian: tiff[0] != 'I' || tiff[1] != 'I') is not { } layout)
        {
            return 0;
        }

        var walk = new TiffDirectoryWalk(tiff, layout, limit);
        walk.Enqueue(layout.FirstDirectory);
        while (walk._pending.Count > 0 && walk.WithinLimit)
        {
            walk.Visit(walk._pending.Pop());
        }

        jpegCompressed = walk._jpegCompressed;
        return walk._counted;
    }

    private static Layout? ReadLayout(ReadOnlySpan<byte> tiff, bool bigEndian)
    {
        var classic = new Layout(bigEndian, CountSize: 2, EntrySize: 12, OffsetSize: 4, FirstDirectory: 0);
        switch (classic.ReadUInt16(tiff[2..]))
        {
            case 42:
                return classic with { FirstDirectory = classic.ReadUInt32(tiff[4..]) };
            case 43 when tiff.Length >= 16:
                // BigTIFF: the offset size (8), a reserved 0, then an 8-byte first offset.
                var big = new Layout(bigEndian, CountSize: 8, EntrySize: 20, OffsetSize: 8, FirstDirectory: 0);
                return big with { FirstDirectory = big.ReadOffset(tiff[8..]) };
            default:
                return null;
        }
    }

    private void Visit(long directory)
    {
        var declared = _layout.ReadDirectoryCount(_tiff[(int)directory..]);
        var entries = directory + _layout.CountSize;
        var present = (_tiff.Length - entries) / _layout.EntrySize;
        var counts = _layout.CountSize == 2 ? Math.Min(declared, present) : declared;
        _counted = (int)Math.Min(_limit + 1L, _counted + Math.Min(counts, _limit + 1L));
        for (long i = 0; i < Math.Min(declared, present) && WithinLimit; i++)
        {
            FollowPointers(_tiff.Slice((int)(entries + (i * _layout.EntrySize)), _layout.EntrySize));
        }

        // The next directory's offset follows the entries, if the data holds them all.
        if (declared <= present && entries + (declared * _layout.EntrySize) is var next && next <= _tiff.Length - _layout.OffsetSize)
        {
            Enqueue(_layout.ReadOffset(_tiff[(int)next..]));
        }
    }

    // A directory counts as soon as a pointer to it is found, so the pointers waiting to be followed are
    // bounded by the limit too.
    private void Enqueue(long offset)
    {
        if (offset > 0 && offset <= _tiff.Length - _layout.CountSize && _seen.Add(offset))
        {
            _pending.Push(offset);
            _counted++;
        }
    }

    // An entry is its tag (2 bytes), field type (2), value count (4, BigTIFF 8) and value field (4,
    // BigTIFF 8), which holds the values when they fit in it, else the offset of where they are.
    private void FollowPointers(ReadOnlySpan<byte> entry)
    {
        var tag = _layout.ReadUInt16(entry);
        if (tag == Compression)
        {
            // A SHORT, left-justified in the value field.
            _jpegCompressed |= _layout.ReadUInt16(entry[(4 + _layout.OffsetSize)..]) is OldStyleJpeg or Jpeg;
            return;
        }

        if (tag is not (ExifPointer or GpsPointer or InteroperabilityPointer or SubDirectories))
        {
            return;
        }

        var valueSize = _layout.ReadUInt16(entry[2..]) switch
        {
            ShortType => 2,
            LongType or IfdType => 4,
            Long8Type or Ifd8Type => 8,
            _ => 0,
        };
        var values = _layout.ReadOffset(entry[4..]);
        var field = entry[(4 + _layout.OffsetSize)..];
        if (valueSize == 0 || values == 0)
        {
            return;
        }

        ReadOnlySpan<byte> source = field;
        if (values > _layout.OffsetSize / valueSize)
        {
            var start = _layout.ReadOffset(field);
            source = start > 0 && start < _tiff.Length ? _tiff[(int)start..] : [];
        }

        for (var i = 0; i < Math.Min(values, source.Length / valueSize) && WithinLimit; i++)
        {
            _counted++;
            var value = source.Slice(i * valueSize, valueSize);
            Enqueue(valueSize switch
            {
                2 => _layout.ReadUInt16(value),
                4 => _layout.ReadUInt32(value),
                _ => _layout.ReadOffset(value),
            });
        }
    }

    /// <summary>Byte order and field sizes of classic TIFF or BigTIFF; offsets and value counts are both <see cref="OffsetSize"/> bytes.</summary>
    private readonly record struct Layout(bool BigEndian, int CountSize, int EntrySize, int OffsetSize, long FirstDirectory)
    {
        public ushort ReadUInt16(ReadOnlySpan<byte> data) =>
            BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(data) : BinaryPrimitives.ReadUInt16LittleEndian(data);

        public uint ReadUInt32(ReadOnlySpan<byte> data) =>
            BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data) : BinaryPrimitives.ReadUInt32LittleEndian(data);

        /// <summary>An offset or value count: 4 bytes in classic TIFF, 8 in BigTIFF (read up to <see cref="long.MaxValue"/>).</summary>
        public long ReadOffset(ReadOnlySpan<byte> data) => OffsetSize == 4
            ? ReadUInt32(data)
            : (long)Math.Min(BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(data) : BinaryPrimitives.ReadUInt64LittleEndian(data), long.MaxValue);

        /// <summary>A directory's entry count: 2 bytes in classic TIFF, 8 in BigTIFF.</summary>
        public long ReadDirectoryCount(ReadOnlySpan<byte> directory) => CountSize == 2
            ? ReadUInt16(directory)
            : ReadOffset(directory);
    }
}
