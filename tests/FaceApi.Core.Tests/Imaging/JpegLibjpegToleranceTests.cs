using FaceApi.Core.Imaging;
using FaceApi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Tests.Imaging;

/// <summary>
/// JPEGs libjpeg (the reference's decoder) reads and ImageSharp 2.1.13 refused: Motion-JPEG frames without
/// Huffman tables, and files with stray bytes between segments. Each decodes to exactly the pixels of the
/// same photo without the quirk.
/// </summary>
public sealed class JpegLibjpegToleranceTests
{
    private const byte DefineQuantizationTables = 0xDB;
    private const byte DefineRestartInterval = 0xDD;
    private const byte Comment = 0xFE;

    private readonly ImageDecoder _decoder = new(new ImageDecodingOptions());

    public static TheoryData<string> Photos => new(TestData.FacePhotoNames().Where(name => name.EndsWith(".jpg", StringComparison.Ordinal) || name.EndsWith(".jpeg", StringComparison.Ordinal)));

    [Theory]
    [MemberData(nameof(Photos))]
    public void A_jpeg_that_names_its_tables_and_has_no_stray_bytes_is_read_as_it_is(string name)
    {
        Assert.Null(JpegLibjpegTolerance.AsLibjpegReadsIt(TestData.ReadFacePhoto(name)));
    }

    [Fact]
    public void A_grey_jpeg_which_defines_only_the_tables_it_names_is_read_as_it_is()
    {
        // One component, so only the luminance tables: the chroma slots are empty, and need not be filled.
        var grey = Encode(TestData.ReadFacePhoto("obama.jpg"), JpegColorType.Luminance);

        Assert.Null(JpegLibjpegTolerance.AsLibjpegReadsIt(grey));
    }

    [Theory]
    [InlineData(JpegColorType.YCbCrRatio420)]
    [InlineData(JpegColorType.YCbCrRatio444)]
    public void A_sequential_jpeg_without_huffman_tables_decodes_with_the_standard_ones(JpegColorType colorType)
    {
        // ImageSharp's encoder writes the standard tables (as cjpeg does without -optimize), so leaving
        // them out makes a Motion-JPEG frame of the same photo.
        var withTables = Encode(TestData.ReadFacePhoto("obama.jpg"), colorType);
        var frame = WithoutSegments(withTables, JpegStandardHuffmanTables.DefineHuffmanTables);
        Assert.True(frame.Length < withTables.Length, "The photo had no DHT segment to leave out.");

        using var expected = _decoder.Decode(withTables);
        using var decoded = _decoder.Decode(frame);

        Assert.Equal(0, PixelDifference.MeanAbsolute(expected, decoded));
    }

    [Fact]
    public void A_progressive_jpeg_without_huffman_tables_is_refused_as_libjpeg_refuses_it()
    {
        // libjpeg fills the standard tables for sequential frames only (its progressive decoder, jdphuff.c, does not).
        var progressive = TestData.ReadFacePhoto("obama_family.jpg");

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Decode(WithoutSegments(progressive, JpegStandardHuffmanTables.DefineHuffmanTables)));

        Assert.Equal(ImageErrorCode.InvalidImage, exception.Code);
    }

    // Odd runs: ImageSharp reads stray bytes two at a time as a marker code, so an odd run put it out of
    // step with the markers after it.
    public static TheoryData<string> StrayBytes => ["zeros before DQT", "no 0xFF after SOI", "stray bytes and fill bytes before every segment"];

    [Theory]
    [MemberData(nameof(StrayBytes))]
    public void Stray_bytes_between_segments_are_skipped_as_libjpeg_skips_them(string where)
    {
        var photo = TestData.ReadFacePhoto("obama.jpg");
        var strayed = where switch
        {
            "zeros before DQT" => WithBytesBefore(photo, DefineQuantizationTables, [0x00, 0x00, 0x00]),
            // A JFIF segment whose 0xFF was lost: libjpeg steps over all of it, looking for the next 0xFF.
            "no 0xFF after SOI" => [.. photo[..2], 0x00, 0xE0, 0x00, 0x11, .. "JFIF"u8, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, .. photo[2..]],
            _ => WithEmptySegments(photo, JpegLibjpegTolerance.MaxSkippedRuns, [0x12, 0xFF]),
        };

        using var expected = _decoder.Decode(photo);
        using var decoded = _decoder.Decode(strayed);

        Assert.Equal(0, PixelDifference.MeanAbsolute(expected, decoded));
    }

    [Fact]
    public void A_fill_byte_after_soi_is_read_as_libjpeg_reads_it()
    {
        // FF D8 FF FF FE ...: libjpeg (and the walks) skip the fill byte and read a comment; ImageSharp took
        // the fill byte for a marker and the comment's length for that marker's, then read the comment's
        // payload as segments. A review hid an EXIF orientation there, which turned the photo.
        var photo = TestData.ReadFacePhoto("obama.jpg");
        // ImageSharp reads the comment's marker and length bytes as a length (FE, then its high byte) and
        // goes on in pairs from the low byte, so one byte of padding brings it to the EXIF segment.
        byte[] hidden = [0x00, .. ExifSegmentWithOrientation(6)];
        byte[] comment = [0xFF, Comment, (byte)((hidden.Length + 2) >> 8), (byte)(hidden.Length + 2), .. hidden];
        using var expected = _decoder.Decode(photo);

        byte[] tricked = [.. photo[..2], 0xFF, .. comment, .. photo[2..]];

        using var decoded = _decoder.Decode(tricked);

        Assert.Equal(0, PixelDifference.MeanAbsolute(expected, decoded));
    }

    [Fact]
    public void More_runs_of_stray_bytes_than_the_limit_are_refused()
    {
        // Each run is a piece ImageSharp reads; a file of tiny segments each followed by a stray byte would make millions.
        var strayed = WithEmptySegments(TestData.ReadFacePhoto("obama.jpg"), JpegLibjpegTolerance.MaxSkippedRuns + 1, [0x00]);

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Decode(strayed));

        Assert.Equal(ImageErrorCode.InvalidImage, exception.Code);
    }

    private static byte[] Encode(byte[] photo, JpegColorType colorType)
    {
        using var image = Image.Load<Rgb24>(photo);
        using var encoded = new MemoryStream();
        image.SaveAsJpeg(encoded, new JpegEncoder { Quality = 90, ColorType = colorType });
        return encoded.ToArray();
    }

    // The JPEG less every segment with `marker` (found by the same walk the service uses).
    private static byte[] WithoutSegments(byte[] jpeg, byte marker)
    {
        var kept = new List<byte>(jpeg[..2]);
        var walk = new JpegMarkerWalk(jpeg);
        while (walk.MoveNext())
        {
            if (walk.Marker != marker)
            {
                kept.AddRange(jpeg[walk.SegmentStart..walk.SegmentEnd]);
            }
        }

        return [.. kept];
    }

    private static byte[] WithBytesBefore(byte[] jpeg, byte marker, byte[] stray)
    {
        var walk = new JpegMarkerWalk(jpeg);
        while (walk.MoveNext() && walk.Marker != marker)
        {
        }

        return [.. jpeg[..walk.SegmentStart], .. stray, .. jpeg[walk.SegmentStart..]];
    }

    // `count` DRI segments of interval 0 (no restarts, T.81 B.2.4.4) after SOI, each with `stray` bytes
    // before it: segments that change nothing and are no metadata, which has its own limit.
    private static byte[] WithEmptySegments(byte[] jpeg, int count, byte[] stray)
    {
        var segments = Enumerable.Repeat<byte[]>([.. stray, 0xFF, DefineRestartInterval, 0x00, 0x04, 0x00, 0x00], count).SelectMany(bytes => bytes);
        return [.. jpeg[..2], .. segments, .. jpeg[2..]];
    }

    // An APP1 EXIF segment whose one entry is Orientation (0x0112, SHORT) = `orientation` (CIPA DC-008 4.6.4).
    private static byte[] ExifSegmentWithOrientation(ushort orientation)
    {
        byte[] tiff = [.. "II*\0"u8, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte)orientation, 0, 0, 0, 0, 0, 0, 0];
        byte[] payload = [.. "Exif\0\0"u8, .. tiff];
        return [0xFF, 0xE1, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2), .. payload];
    }
}
