using System.Buffers.Binary;
using System.Diagnostics;
using FaceApi.Core.Imaging;
using FaceApi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using static FaceApi.Testing.CraftedImages;

namespace FaceApi.Core.Tests.Imaging;

/// <summary>
/// Issue 13, item 2: images whose metadata costs far more to read than their pixels. Each bomb must be
/// refused, or decoded without reading its metadata, at about the cost of the photo itself.
/// </summary>
public sealed class MetadataBombTests
{
    private const string Photo = "obama.jpg";

    // Progressive (SOF2), 6 scans.
    private const string ProgressivePhoto = "obama_family.jpg";

    // The largest segment payload a 16-bit JPEG length allows (ITU-T T.81, B.1.1.4: the length counts itself).
    private const int FullSegment = 65_533;

    // COM (ITU-T T.81, Table B.1).
    private const byte Comment = 0xFE;

    private readonly ImageDecoder _decoder = new(new ImageDecodingOptions());

    public static TheoryData<string, byte, byte[], int, int> JpegBombs => new()
    {
        // 315 x 64 KB = 20 MB, the upload limit: 18 CPU-seconds in ImageSharp as reported in issue 13.
        { "EXIF", JpegMetadata.App1, JpegMetadata.Exif, 315, FullSegment },
        { "ICC", JpegMetadata.App2, JpegMetadata.Icc, 315, FullSegment },
        { "XMP", JpegMetadata.App1, JpegMetadata.Xmp, 315, FullSegment },
        // Many small segments under the byte budget: 8192 of 1 KB cost 20.6 CPU-seconds unchecked.
        { "EXIF, 1 KB each", JpegMetadata.App1, JpegMetadata.Exif, 8192, 1024 },
    };

    [Theory]
    [MemberData(nameof(JpegBombs))]
    public void A_jpeg_with_too_much_metadata_is_refused_before_imagesharp_reads_it(string kind, byte marker, byte[] identifier, int count, int payloadBytes)
    {
        var bomb = JpegWithMetadataSegments(TestData.ReadFacePhoto(Photo), marker, identifier, count, payloadBytes);

        var (exception, cost) = Measure(() => Assert.Throws<ImageDecodingException>(() => _decoder.Decode(bomb)));

        Assert.Equal(ImageErrorCode.MetadataTooLarge, exception.Code);
        TestContext.Current.TestOutputHelper?.WriteLine($"{kind}: {count} segments, {bomb.Length / 1024} KiB: refused after {cost}.");
        // The walk reads segment headers only and allocates nothing per segment; ImageSharp's copies of the
        // growing profile would be gigabytes.
        Assert.InRange(cost.AllocatedBytes, 0, 1 << 20);
    }

    [Fact]
    public void A_jpeg_with_metadata_just_within_both_limits_decodes_at_bounded_cost()
    {
        var options = new ImageDecodingOptions();
        var photo = TestData.ReadFacePhoto(Photo);
        // The photo's own 5 segments (32 KB) plus EXIF segments up to the segment limit, within the byte limit.
        var extra = options.MaxMetadataSegments - 5;
        var within = JpegWithMetadataSegments(photo, JpegMetadata.App1, JpegMetadata.Exif, extra, (options.MaxMetadataBytes - 33_000) / extra);
        _decoder.Decode(photo).Dispose();
        var (plainImage, plain) = Measure(() => _decoder.Decode(photo));
        plainImage.Dispose();

        var (image, cost) = Measure(() => _decoder.Decode(within));

        using (image)
        {
            Assert.Equal(new Size(910, 1137), image.Size());
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{extra} extra EXIF segments, {within.Length / 1024} KiB: decoded after {cost}; the photo alone after {plain}.");
        // ImageSharp copies the growing EXIF profile once per segment: at most segments x bytes = 32 MB here.
        Assert.InRange(cost.AllocatedBytes, 0, plain.AllocatedBytes + (64L << 20));
    }

    // ImageSharp 2.1.13 checks each EXIF or TIFF entry against all it has kept: 5,000 entries in one
    // segment cost 0.4-0.5 CPU-seconds, 65,000 (12 segments, 780 KB: within the segment and byte budgets)
    // 35-37 s, measured through the service on this project's 2-core machine (TiffDirectoryBudget).
    public static TheoryData<string, Func<byte[], byte[]>> DirectoryBombs => new()
    {
        { "JPEG, 5,000 EXIF entries in one segment", photo => JpegWithExif(photo, TiffDirectoryOf(5_000)) },
        { "JPEG, 65,000 EXIF entries in 12 segments", photo => JpegWithExif(photo, TiffDirectoryOf(65_000)) },
        { "WebP, 65,000 EXIF entries", _ => WebpWithExif(EncodedPhoto(new WebpEncoder()), TiffDirectoryOf(65_000)) },
        // 65,000 entries hidden this way cost 38 CPU-seconds through the service before the budget read every "EXIF".
        { "WebP, 65,000 EXIF entries inside the VP8X chunk", _ => WebpWithExifHiddenInVp8x(EncodedPhoto(new WebpEncoder()), TiffDirectoryOf(65_000)) },
        { "TIFF, 65,000 tags", _ => TiffDirectoryOf(65_000) },
    };

    [Theory]
    [MemberData(nameof(DirectoryBombs))]
    public void An_image_whose_exif_or_tiff_directories_declare_thousands_of_entries_is_refused_before_imagesharp_reads_them(string kind, Func<byte[], byte[]> craft)
    {
        var bomb = craft(TestData.ReadFacePhoto(Photo));

        var (exception, cost) = Measure(() => Assert.Throws<ImageDecodingException>(() => _decoder.Decode(bomb)));

        Assert.Equal(ImageErrorCode.MetadataTooLarge, exception.Code);
        TestContext.Current.TestOutputHelper?.WriteLine($"{kind}, {bomb.Length / 1024} KiB: refused after {cost}.");
        // The walk reads counts and pointers in place; joining a JPEG's EXIF segments borrows one pooled array.
        Assert.InRange(cost.AllocatedBytes, 0, 2 << 20);
    }

    [Theory]
    [InlineData(6)] // old-style JPEG (TIFF 6.0, section 22)
    [InlineData(7)] // JPEG (TIFF Technical Note 2)
    public void A_tiff_whose_image_is_jpeg_compressed_is_refused_before_imagesharp_decodes_its_strips(ushort compression)
    {
        // Its strips would go to ImageSharp's JPEG decoder, past the JPEG scan budget.
        var tiff = TiffDirectoryOf(3);
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(10), 0x0103); // Compression, a SHORT
        BinaryPrimitives.WriteUInt16LittleEndian(tiff.AsSpan(18), compression);

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Decode(tiff));

        Assert.Equal(ImageErrorCode.UnsupportedFormat, exception.Code);
    }

    [Fact]
    public void A_jpeg_whose_exif_holds_as_many_entries_as_the_budget_allows_decodes()
    {
        var options = new ImageDecodingOptions();
        // One directory counts one, as each of its entries does.
        var within = JpegWithExif(TestData.ReadFacePhoto(Photo), TiffDirectoryOf(options.MaxMetadataEntries - 1));

        var (image, cost) = Measure(() => _decoder.Decode(within));

        using (image)
        {
            Assert.Equal(new Size(910, 1137), image.Size());
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{options.MaxMetadataEntries - 1} EXIF entries: decoded after {cost}.");
        var oneMore = JpegWithExif(TestData.ReadFacePhoto(Photo), TiffDirectoryOf(options.MaxMetadataEntries));
        Assert.Equal(ImageErrorCode.MetadataTooLarge, Assert.Throws<ImageDecodingException>(() => _decoder.Decode(oneMore)).Code);
    }

    [Fact]
    public void A_progressive_jpeg_whose_last_scan_repeats_a_thousand_times_is_refused_before_imagesharp_decodes_it()
    {
        // 1000 repeats of a 7000x7000 grey image's last scan cost 42.6 CPU-seconds through the service (JpegStructureCheck).
        var bomb = JpegWithLastScanRepeated(TestData.ReadFacePhoto(ProgressivePhoto), 1000);

        var (exception, cost) = Measure(() => Assert.Throws<ImageDecodingException>(() => _decoder.Decode(bomb)));

        Assert.Equal(ImageErrorCode.ImageTooLarge, exception.Code);
        TestContext.Current.TestOutputHelper?.WriteLine($"1000 extra scans, {bomb.Length / 1024} KiB: refused after {cost}.");
        Assert.InRange(cost.AllocatedBytes, 0, 1 << 20);
    }

    [Fact]
    public void A_progressive_jpeg_with_as_many_scans_as_the_budget_allows_decodes()
    {
        var options = new ImageDecodingOptions();
        var photo = TestData.ReadFacePhoto(ProgressivePhoto);
        var extra = options.MaxJpegScans - ScansOf(photo);
        using var original = _decoder.Decode(photo);

        using var within = _decoder.Decode(JpegWithLastScanRepeated(photo, extra));

        // A repeated final refinement scan changes nothing a decoder keeps.
        Assert.Equal(original.Size(), within.Size());
        var oneMore = Assert.Throws<ImageDecodingException>(() => _decoder.Decode(JpegWithLastScanRepeated(photo, extra + 1)));
        Assert.Equal(ImageErrorCode.ImageTooLarge, oneMore.Code);
    }

    // Ways a review hid segments from the budgets: ImageSharp 2.1.13 reads only the length of markers it
    // has no case for, so a segment inside their payload is parsed by it and skipped by a walk
    // (JpegStructureCheck).
    public static TheoryData<string, byte[]> MarkerTricks => new()
    {
        { "an empty JPG0 segment", [0xFF, 0xF0, 0x00, 0x02] },
        { "a second SOI", [0xFF, 0xD8] },
        { "TEM", [0xFF, 0x01] },
        { "a reserved marker", [0xFF, 0x10, 0x00, 0x02] },
        { "DNL", [0xFF, 0xDC, 0x00, 0x04, 0x00, 0x10] },
    };

    [Theory]
    [MemberData(nameof(MarkerTricks))]
    public void A_jpeg_whose_markers_imagesharp_could_read_otherwise_than_the_budgets_is_refused(string trick, byte[] afterSoi)
    {
        var photo = TestData.ReadFacePhoto(ProgressivePhoto);
        // The progressive photo with a scan bomb behind the trick, which ImageSharp would decode.
        var bomb = JpegWithLastScanRepeated(photo, 1000);
        byte[] tricked = [.. bomb[..2], .. afterSoi, .. bomb[2..]];

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Decode(tricked));

        Assert.True(exception.Code == ImageErrorCode.InvalidImage, $"{trick}: {exception.Code}, {exception.Message}");
    }

    // The other two ways the review found: ImageSharp read the two bytes after SOI as a marker even without
    // 0xFF, and stray bytes between segments two at a time, so it could read a segment the walk stepped
    // over. It is now given the segments the walk found (JpegLibjpegTolerance), so the budgets count what
    // it reads.
    // Every bomb the JPEG budgets count, behind each trick: a review found the metadata budgets looked only
    // at files opening FF D8 FF, so one stray byte after SOI hid a whole EXIF bomb from them.
    public static TheoryData<string, string> StrayByteTricks => new MatrixTheoryData<string, string>(
        ["no 0xFF after SOI", "stray bytes after SOI", "a fill byte after SOI"],
        ["1000 scans", "20,000 EXIF entries", "64 comment segments"]);

    [Theory]
    [MemberData(nameof(StrayByteTricks))]
    public void A_bomb_behind_stray_bytes_is_still_counted(string trick, string bomb)
    {
        var (jpeg, expected) = bomb switch
        {
            "1000 scans" => (JpegWithLastScanRepeated(TestData.ReadFacePhoto(ProgressivePhoto), 1000), ImageErrorCode.ImageTooLarge),
            "20,000 EXIF entries" => (JpegWithExif(TestData.ReadFacePhoto(Photo), TiffDirectoryOf(20_000)), ImageErrorCode.MetadataTooLarge),
            _ => (JpegWithMetadataSegments(TestData.ReadFacePhoto(Photo), Comment, [], 64, 16), ImageErrorCode.MetadataTooLarge),
        };
        byte[] tricked = trick switch
        {
            // An empty APP0 segment whose 0xFF was lost.
            "no 0xFF after SOI" => [.. jpeg[..2], 0x00, 0xE0, 0x00, 0x02, .. jpeg[2..]],
            "stray bytes after SOI" => [.. jpeg[..2], 0x00, 0x00, .. jpeg[2..]],
            _ => [.. jpeg[..2], 0xFF, .. jpeg[2..]],
        };

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Decode(tricked));

        Assert.True(exception.Code == expected, $"{trick}, {bomb}: {exception.Code}, {exception.Message}");
    }

    [Fact]
    public void A_segment_after_the_first_scan_that_holds_a_marker_is_refused()
    {
        // A review's bomb: a scan followed by 64 bytes, then a comment holding an EXIF segment of 5,000
        // entries. ImageSharp's scan decoder stops where the scan's last block ends and reads on two bytes
        // at a time, so with the right padding it steps past the comment's marker and reads the EXIF inside;
        // the walk, which goes from marker to marker, sees a comment.
        var photo = EncodedPhoto(new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder());
        var end = photo.AsSpan().LastIndexOf([(byte)0xFF, (byte)0xD9]);
        var exif = JpegWithExif([0xFF, 0xD8], TiffDirectoryOf(5_000))[2..];
        byte[] comment = [0xFF, Comment, (byte)((exif.Length + 3) >> 8), (byte)(exif.Length + 3), 0x00, .. exif];
        byte[] bomb = [.. photo[..end], .. new byte[64], .. comment, .. photo[end..]];

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Decode(bomb));

        Assert.Equal(ImageErrorCode.InvalidImage, exception.Code);
    }

    // Headers whose one field makes ImageSharp 2.1.13 allocate gigabytes before it checks the field against
    // the data (an attacking session, 2 December 2026): a BMP palette of 2^29 colours (58 bytes: 2 GiB
    // cleared in Identify), a WebP chunk declaring 2 GB (108 bytes: an OutOfMemoryException, a 500), a
    // palette TIFF of 29 bits a pixel (1.7 KB: 1.5 GiB). Each is refused before ImageSharp reads it.
    public static TheoryData<string> HeaderBombs => ["BMP palette", "BMP pixel offset", "WebP chunk", "WebP chunk hidden in VP8X", "TIFF palette"];

    [Theory]
    [MemberData(nameof(HeaderBombs))]
    public void A_header_field_that_would_allocate_gigabytes_is_refused_before_imagesharp_reads_it(string bomb)
    {
        var encoded = bomb switch
        {
            "BMP palette" => WithUInt32At(EncodedPhoto(new SixLabors.ImageSharp.Formats.Bmp.BmpEncoder()), 46, 1u << 29),
            // A fourth session: an 8-bit BMP naming no palette length, whose pixel data "starts" 2 GB in.
            "BMP pixel offset" => WithUInt32At(EncodedPhoto(new SixLabors.ImageSharp.Formats.Bmp.BmpEncoder { BitsPerPixel = SixLabors.ImageSharp.Formats.Bmp.BmpBitsPerPixel.Pixel8 }), 10, 0x7FFF_0000),
            "WebP chunk" => WebpWithIccChunkDeclaring(EncodedPhoto(new WebpEncoder { FileFormat = WebpFileFormatType.Lossy }), 0x7FFF_FFF0),
            "WebP chunk hidden in VP8X" => WebpWithExifHiddenInVp8xDeclaring(0x7FFF_FFF0),
            _ => TiffOf(1, 1, 1, new byte[8], uint.MaxValue, [(0, 8)], (258, 3, [29]), (262, 3, [3]), (320, 3, new uint[768])),
        };

        var ((_, exception), cost) = Measure(() =>
        {
            try
            {
                return (_decoder.Decode(encoded), (ImageDecodingException?)null);
            }
            catch (ImageDecodingException refused)
            {
                return ((Image<Rgb24>?)null, refused);
            }
        });

        Assert.Equal(ImageErrorCode.InvalidImage, exception?.Code);
        Assert.InRange(cost.AllocatedBytes, 0, 64L << 20);
    }

    private static byte[] PngWithFirstHeaderDeclaring(byte[] png, uint width, uint height)
    {
        var chunks = PngChunks(png);
        var header = chunks[0].Data.ToArray();
        BinaryPrimitives.WriteUInt32BigEndian(header, width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), height);
        return PngOf([("IHDR", header), .. chunks.Skip(1).SkipLast(1), chunks[0], chunks[^1]]);
    }

    [Fact]
    public void A_png_with_a_second_header_is_refused_before_imagesharp_reads_it()
    {
        // A fourth session: a first IHDR of 6000x6000, then the photo's own after its data. Identify, and so
        // every limit, took the last; Decode allocated and cleared (in unmanaged memory, which the allocation
        // count above does not see) an image by the first, 36000x36000 in the session's 210-byte file.
        var png = PngWithFirstHeaderDeclaring(EncodedPhoto(new PngEncoder()), 6000, 6000);

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Identify(png));

        Assert.Equal(ImageErrorCode.InvalidImage, exception.Code);
        Assert.Contains("IHDR", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_os2_bitmap_array_is_refused_before_imagesharp_reads_it()
    {
        // A fourth session wrapped the 2^29-colour palette in an OS/2 "BA" header, which ImageSharp also reads.
        var palette = WithUInt32At(EncodedPhoto(new SixLabors.ImageSharp.Formats.Bmp.BmpEncoder()), 46, 1u << 29);
        byte[] array = [.. "BA"u8, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, .. palette];

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Identify(array));

        Assert.Equal(ImageErrorCode.UnsupportedFormat, exception.Code);
    }

    // A fourth session: a VP8X that declares 18 bytes, of which ImageSharp reads 10 and takes the next 8
    // as a chunk header, here an EXIF chunk of 2 GB that no walk sees: an OutOfMemoryException while WebP
    // metadata was read.
    private static byte[] WebpWithExifHiddenInVp8xDeclaring(uint size)
    {
        var webp = WebpWithIccChunkDeclaring(EncodedPhoto(new WebpEncoder { FileFormat = WebpFileFormatType.Lossy }), 16);
        var extended = webp.AsSpan().IndexOf("VP8X"u8);
        var hidden = new byte[8];
        "EXIF"u8.CopyTo(hidden);
        BinaryPrimitives.WriteUInt32LittleEndian(hidden.AsSpan(4), size);
        byte[] tricked = [.. webp[..(extended + 4)], 18, 0, 0, 0, .. webp[(extended + 8)..(extended + 18)], .. hidden, .. webp[(extended + 18)..]];
        BinaryPrimitives.WriteUInt32LittleEndian(tricked.AsSpan(4), (uint)(tricked.Length - 8));
        return tricked;
    }

    private static byte[] WithUInt32At(byte[] data, int offset, uint value)
    {
        var changed = data.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(changed.AsSpan(offset), value);
        return changed;
    }

    // The photo (910x1137) as an extended WebP (VP8X, ICC flag set) whose ICCP chunk declares `size` bytes
    // and holds 16, before the image's own chunk (WebP container specification, "Extended File Format").
    private static byte[] WebpWithIccChunkDeclaring(byte[] lossyWebp, uint size)
    {
        const byte IccFlag = 0x20;
        byte[] extended = [.. "VP8X"u8, 10, 0, 0, 0, IccFlag, 0, 0, 0, 909 & 0xFF, 909 >> 8, 0, 1136 & 0xFF, 1136 >> 8, 0];
        var icc = new byte[8 + 16];
        "ICCP"u8.CopyTo(icc);
        BinaryPrimitives.WriteUInt32LittleEndian(icc.AsSpan(4), size);
        byte[] body = [.. "WEBP"u8, .. extended, .. icc, .. lossyWebp[12..]];
        return [.. "RIFF"u8, .. BitConverter.GetBytes((uint)body.Length), .. body];
    }

    private static int ScansOf(byte[] jpeg)
    {
        var scans = 0;
        var walk = new JpegMarkerWalk(jpeg);
        while (walk.MoveNext())
        {
            scans += walk.Marker == JpegMarkerWalk.StartOfScan ? 1 : 0;
        }

        return scans;
    }

    [Fact]
    public void A_png_whose_compressed_text_inflates_to_hundreds_of_megabytes_decodes_without_inflating_it()
    {
        // 200 MB of zeros deflate to about 200 KB; ImageSharp 2.1.13 reading PNG text allocated 2.7 GB for it.
        var bomb = PngWithCompressedText(EncodedPhoto(new PngEncoder()), 200 << 20);

        var (image, cost) = Measure(() => _decoder.Decode(bomb));

        using (image)
        {
            Assert.Equal(new Size(910, 1137), image.Size());
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"zTXt bomb of {bomb.Length / 1024} KiB: decoded after {cost}.");
        // The decoded photo is 3 MB of RGB24 (pooled); the inflated text alone would be 200 MB.
        Assert.InRange(cost.AllocatedBytes, 0, 64L << 20);
    }

    private static byte[] EncodedPhoto(SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var photo = Image.Load<Rgb24>(TestData.ReadFacePhoto(Photo));
        using var encoded = new MemoryStream();
        photo.Save(encoded, encoder);
        return encoded.ToArray();
    }

    // Managed allocations on this thread are what the bombs multiply, and unlike CPU or wall time they do
    // not depend on what else the machine runs; the process's CPU time is printed for the reader.
    private static (T Result, Cost Cost) Measure<T>(Func<T> action)
    {
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var result = action();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        process.Refresh();
        return (result, new Cost(process.TotalProcessorTime - cpuBefore, allocated));
    }

    private readonly record struct Cost(TimeSpan ProcessCpu, long AllocatedBytes)
    {
        public override string ToString() => $"{ProcessCpu.TotalMilliseconds:F0} process CPU-ms, {AllocatedBytes / 1024} KiB allocated";
    }
}
