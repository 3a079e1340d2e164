using System.Buffers.Binary;
using FaceApi.Core.Imaging;

namespace FaceApi.Core.Tests.Imaging;

/// <summary>
/// The walk that bounds what ImageSharp's EXIF and TIFF readers parse (<see cref="TiffDirectoryBudget"/>)
/// must reach every directory they may read, in either byte order, and end on loops.
/// </summary>
public sealed class TiffDirectoryWalkTests
{
    private const ushort Short = 3;
    private const ushort Long = 4;

    // IFD0 points to an EXIF directory (which points to an interoperability directory) and to a GPS
    // directory, and chains to IFD1, whose SubIFDs array names two more: 7 directories, 11 entries,
    // 5 directory pointers.
    private static readonly Directory[] Camera =
    [
        new(8, [new(0x0100, Short, 1, 640), new(0x8769, Long, 1, 100), new(0x8825, Long, 1, 200)], Next: 300),
        new(100, [new(0x9000, 7, 4, 0x32333230), new(0xA005, Long, 1, 250)], Next: 0),
        new(250, [new(0x0001, 2, 4, 0x00383952)], Next: 0),
        new(200, [new(0x0000, 1, 4, 0x00000302)], Next: 0),
        new(300, [new(0x0103, Short, 1, 6), new(0x014A, Long, 2, 400)], Next: 0),
        new(500, [new(0x0100, Short, 1, 160)], Next: 0),
        new(600, [new(0x0100, Short, 1, 120)], Next: 0),
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Counts_every_directory_a_reader_may_reach_and_their_entries(bool bigEndian)
    {
        var tiff = Tiff(bigEndian, Camera, (400, [500, 600]));

        Assert.Equal(7 + 11 + 5, TiffDirectoryWalk.Count(tiff, limit: 1000));
    }

    [Fact]
    public void Ends_on_a_directory_that_points_back_to_itself()
    {
        Directory[] loop = [new(8, [new(0x0100, Short, 1, 640), new(0x8769, Long, 1, 8)], Next: 8)];

        Assert.Equal(1 + 2 + 1, TiffDirectoryWalk.Count(Tiff(bigEndian: false, loop), limit: 1000));
    }

    [Fact]
    public void Stops_once_past_the_limit()
    {
        var tiff = Tiff(bigEndian: false, Camera, (400, [500, 600]));

        Assert.InRange(TiffDirectoryWalk.Count(tiff, limit: 5), 6, 7 + 11 + 5);
    }

    [Fact]
    public void Every_pointer_read_counts_so_a_huge_array_of_null_pointers_ends_the_walk()
    {
        // One SubIFDs entry of 2^32 - 1 SHORT offsets, all 0 (no directory): were only new directories
        // counted, the walk would read the whole file two bytes at a time for each such entry.
        Directory[] directory = [new(8, [new(0x014A, Short, uint.MaxValue, 100)], Next: 0)];

        Assert.Equal(1025, TiffDirectoryWalk.Count(Tiff(bigEndian: false, directory), limit: 1024));
    }

    [Fact]
    public void A_bigtiff_directory_counts_what_it_declares_even_past_the_data()
    {
        // BigTIFF header (magic 43, offset size 8, first directory at 16), then a directory whose 8-byte
        // count declares 2^62 entries of which none follow: a reader looping over the count never ends.
        var tiff = new byte[32];
        "II+\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt64LittleEndian(tiff.AsSpan(8), 16);
        BinaryPrimitives.WriteUInt64LittleEndian(tiff.AsSpan(16), 1UL << 62);

        Assert.Equal(1025, TiffDirectoryWalk.Count(tiff, limit: 1024));
    }

    [Fact]
    public void Data_that_is_not_tiff_counts_nothing() =>
        Assert.Equal(0, TiffDirectoryWalk.Count("JFIF\0 not a TIFF header"u8, limit: 10));

    private readonly record struct Entry(ushort Tag, ushort Type, uint Count, uint Value);

    private readonly record struct Directory(int Offset, Entry[] Entries, uint Next);

    // A classic TIFF (TIFF 6.0, section 2) with the directories at their offsets, and arrays of LONG values.
    [Fact]
    public void Every_4_KiB_of_an_entrys_values_counts_one_more()
    {
        // A fourth attacking session's fan-out: entries whose ASCII values all point at the same bytes, which
        // ImageSharp copies once per entry (1000 of one 1 MB value took 3 GB). Here 64 entries of 64 KiB.
        const int Entries = 64;
        var value = Entries * 12 + 14;
        var tiff = new byte[value + (64 << 10)];
        "II*\0"u8.CopyTo(tiff);
        BinaryPrimitives.WriteUInt32LittleEndian(tiff.AsSpan(4), 8);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(8), Entries);
        for (var i = 0; i < Entries; i++)
        {
            var entry = tiff.AsSpan(10 + (i * 12), 12);
            BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)(0xC000 + i));
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], 2); // ASCII
            BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], 64 << 10);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[8..], (uint)value);
        }

        // One directory, 64 entries and 64 x 16 for their values.
        Assert.Equal(1 + Entries + (Entries * ((64 << 10) / TiffDirectoryWalk.ValueBytesPerCount)), TiffDirectoryWalk.Count(tiff, limit: 10_000));
    }

    private static byte[] Tiff(bool bigEndian, Directory[] directories, params (int Offset, uint[] Values)[] arrays)
    {
        var tiff = new byte[4096];
        var span = tiff.AsSpan();
        (bigEndian ? "MM"u8 : "II"u8).CopyTo(span);
        WriteUInt16(span[2..], 42);
        WriteUInt32(span[4..], (uint)directories[0].Offset);
        foreach (var directory in directories)
        {
            var at = span[directory.Offset..];
            WriteUInt16(at, (ushort)directory.Entries.Length);
            for (var i = 0; i < directory.Entries.Length; i++)
            {
                var entry = at[(2 + (i * 12))..];
                WriteUInt16(entry, directory.Entries[i].Tag);
                WriteUInt16(entry[2..], directory.Entries[i].Type);
                WriteUInt32(entry[4..], directory.Entries[i].Count);
                if (directory.Entries[i].Type == Short)
                {
                    WriteUInt16(entry[8..], (ushort)directory.Entries[i].Value); // left-justified in the field
                }
                else
                {
                    WriteUInt32(entry[8..], directory.Entries[i].Value);
                }
            }

            WriteUInt32(at[(2 + (directory.Entries.Length * 12))..], directory.Next);
        }

        foreach (var (offset, values) in arrays)
        {
            for (var i = 0; i < values.Length; i++)
            {
                WriteUInt32(span[(offset + (i * 4))..], values[i]);
            }
        }

        return tiff;

        void WriteUInt16(Span<byte> at, ushort value)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(at, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(at, value);
            }
        }

        void WriteUInt32(Span<byte> at, uint value)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(at, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(at, value);
            }
        }
    }
}
