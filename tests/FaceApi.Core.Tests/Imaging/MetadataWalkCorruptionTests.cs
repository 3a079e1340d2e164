using FaceApi.Core.Imaging;
using FaceApi.Testing;
using static FaceApi.Testing.CraftedImages;

namespace FaceApi.Core.Tests.Imaging;

/// <summary>
/// The walks that run before ImageSharp (<see cref="TiffDirectoryBudget"/>, <see cref="JpegStructureCheck"/>,
/// <see cref="JpegMetadataBudget"/>) read untrusted offsets and counts: on any corruption they must give
/// a verdict, never throw something else (which the service would answer with a 500).
/// </summary>
public sealed class MetadataWalkCorruptionTests
{
    private const int Corruptions = 3000;

    public static TheoryData<string> Carriers => ["JPEG with EXIF", "TIFF", "BigTIFF", "WebP with EXIF"];

    [Theory]
    [MemberData(nameof(Carriers))]
    public void Randomly_corrupted_structures_get_a_verdict_and_nothing_else(string carrier)
    {
        var original = Carrier(carrier);
        // Intact, each is within the budgets.
        TiffDirectoryBudget.Enforce(original, 1024);
        var random = new Random(13); // fixed: a failure reproduces
        var refused = 0;

        for (var i = 0; i < Corruptions; i++)
        {
            var corrupted = (byte[])original.Clone();
            // A few bytes anywhere, and most often in the header and first directory, where offsets and counts are.
            for (var j = random.Next(1, 5); j > 0; j--)
            {
                var at = random.Next(2) == 0 ? random.Next(Math.Min(corrupted.Length, 256)) : random.Next(corrupted.Length);
                corrupted[at] = (byte)random.Next(256);
            }

            try
            {
                JpegMetadataBudget.Enforce(corrupted, 32, 1 << 20);
                TiffDirectoryBudget.Enforce(corrupted, 1024);
                JpegStructureCheck.Enforce(corrupted, 32);
            }
            catch (ImageDecodingException)
            {
                refused++;
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{carrier}: {refused} of {Corruptions} corruptions refused, the rest passed on to the decoder.");
    }

    private static byte[] Carrier(string carrier)
    {
        var directory = WithPointers(TiffDirectoryOf(200));
        return carrier switch
        {
            "JPEG with EXIF" => JpegWithExif(TestData.ReadFacePhoto("obama.jpg")[..4096], directory),
            "TIFF" => directory,
            "BigTIFF" => BigTiffOf(TiffDirectoryOf(200)),
            // A RIFF WebP header and the EXIF chunk: the walk reads chunks, not pixels.
            _ => WebpWithExif([.. "RIFF\0\0\0\0WEBP"u8], directory),
        };
    }

    // The directory's first entries turned into pointers to two small directories appended after it (an
    // EXIF pointer, a SubIFDs array of both stored after them, a GPS pointer as a SHORT), so that
    // corruptions also land on the offsets the walk follows.
    private static byte[] WithPointers(byte[] tiff)
    {
        var first = tiff.Length;
        var second = first + 2 + 12 + 4;
        var array = second + 2 + 12 + 4;
        var result = new byte[array + 8];
        tiff.CopyTo(result, 0);
        result[first] = 1; // one entry each, zeros otherwise: tag 0, type 0, no next directory
        result[second] = 1;
        BitConverter.TryWriteBytes(result.AsSpan(array), (uint)first);
        BitConverter.TryWriteBytes(result.AsSpan(array + 4), (uint)second);

        void Entry(int index, ushort tag, ushort type, uint count, uint value)
        {
            var entry = result.AsSpan(10 + (index * 12), 12);
            BitConverter.TryWriteBytes(entry, tag);
            BitConverter.TryWriteBytes(entry[2..], type);
            BitConverter.TryWriteBytes(entry[4..], count);
            BitConverter.TryWriteBytes(entry[8..], value);
        }

        Entry(0, 0x8769, 4, 1, (uint)first);
        Entry(1, 0x014A, 4, 2, (uint)array);
        Entry(2, 0x8825, 3, 1, (uint)second);
        return result;
    }

    // The same entries in BigTIFF's layout: 8-byte count and offsets, 20-byte entries (BigTIFF, "File header" and "IFD").
    private static byte[] BigTiffOf(byte[] classic)
    {
        var entries = BitConverter.ToUInt16(classic, 8);
        var big = new byte[16 + 8 + (entries * 20) + 8];
        "II+\0"u8.CopyTo(big);
        BitConverter.TryWriteBytes(big.AsSpan(4), (ushort)8);
        BitConverter.TryWriteBytes(big.AsSpan(8), 16UL);
        BitConverter.TryWriteBytes(big.AsSpan(16), (ulong)entries);
        for (var i = 0; i < entries; i++)
        {
            var from = classic.AsSpan(10 + (i * 12), 12);
            var to = big.AsSpan(24 + (i * 20), 20);
            from[..4].CopyTo(to); // tag, type
            BitConverter.TryWriteBytes(to[4..], (ulong)BitConverter.ToUInt32(from[4..]));
            from[8..].CopyTo(to[12..]);
        }

        return big;
    }
}
