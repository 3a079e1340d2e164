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

    /// <summary>
    /// The bytes of values that count as one entry: at the default limit of 1024, 4 MiB of values in all,
    /// room for a TIFF's ICC profile and strip tables or a camera's maker notes many times over.
    /// </summary>
    internal const int ValueBytesPerCount = 4096;

    private readonly ReadOnlySpan<byte> _tiff;
    private readonly TiffLayout _layout;
    private readonly int _limit;
    private readonly HashSet<long> _seen = [];
    private readonly Stack<long> _pending = new();
    private int _counted;

    private TiffDirectoryWalk(ReadOnlySpan<byte> tiff, TiffLayout layout, int limit)
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
    internal static int Count(ReadOnlySpan<byte> tiff, int limit)
    {
        if (TiffLayout.Read(tiff) is not { } layout)
        {
            return 0;
        }

        var walk = new TiffDirectoryWalk(tiff, layout, limit);
        walk.Enqueue(layout.FirstDirectory);
        while (walk._pending.Count > 0 && walk.WithinLimit)
        {
            walk.Visit(walk._pending.Pop());
        }

        return walk._counted;
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
            var entry = _tiff.Slice((int)(entries + (i * _layout.EntrySize)), _layout.EntrySize);
            CountValueBytes(entry);
            FollowPointers(entry);
        }

        // The next directory's offset follows the entries, if the data holds them all.
        if (declared <= present && entries + (declared * _layout.EntrySize) is var next && next <= _tiff.Length - _layout.OffsetSize)
        {
            Enqueue(_layout.ReadOffset(_tiff[(int)next..]));
        }
    }

    // Every ValueBytesPerCount bytes an entry's values take count one more: ImageSharp copies an entry's
    // values whatever other entries point at the same bytes, ASCII ones into strings of 2 bytes a character,
    // so a fourth attacking session made 1000 entries of one 1 MB value take 3 GB from a 984 KB JPEG, and
    // 200 directories over one 1 MiB block 1.6 GB from a TIFF. An entry's size is its count times its
    // type's (TIFF 6.0 section 2; BigTIFF for 16 to 18), up to the data's length.
    private void CountValueBytes(ReadOnlySpan<byte> entry)
    {
        var typeSize = _layout.ReadUInt16(entry[2..]) switch
        {
            3 or 8 => 2,
            4 or 9 or 11 or 13 => 4,
            5 or 10 or 12 or 16 or 17 or 18 => 8,
            _ => 1,
        };
        var bytes = Math.Min(_layout.ReadOffset(entry[4..]), _tiff.Length) * typeSize;
        _counted = (int)Math.Min(_limit + 1L, _counted + Math.Min(bytes, _tiff.Length) / ValueBytesPerCount);
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
        if (tag is not (ExifPointer or GpsPointer or InteroperabilityPointer or SubDirectories))
        {
            return;
        }

        var values = _layout.ValuesOf(_tiff, entry);
        for (var i = 0; i < values.Count && WithinLimit; i++)
        {
            _counted++;
            Enqueue(values[i]);
        }
    }
}
