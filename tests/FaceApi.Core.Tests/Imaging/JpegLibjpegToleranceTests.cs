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
    private const byte Comment = 0xFE;

    private readonly ImageDecoder _decoder = new(new ImageDecodingOptions());

    public static TheoryData<string> Photos => new(TestData.FacePhotoNames().Where(name => name.EndsWith(".jpg", StringComparison.Ordinal) || name.EndsWith(".jpeg", StringComparison.Ordinal)));

    [Theory]
    [MemberData(nameof(Photos))]
    public void A_jpeg_that_names_its_tables_and_has_no_stray_bytes_is_read_as_it_is(string name)
    {
        Assert.Null(JpegLibjpegTolerance.AsLibjpegReadsIt(TestData.ReadFacePhoto(name)));
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
    public static TheoryData<string> StrayBytes => ["zeros before DQT", "no 0xFF after SOI", "stray bytes and fill bytes before every COM"];

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
            _ => WithComments(photo, JpegLibjpegTolerance.MaxStrayRuns, [0x12, 0xFF]),
        };

        using var expected = _decoder.Decode(photo);
        using var decoded = _decoder.Decode(strayed);

        Assert.Equal(0, PixelDifference.MeanAbsolute(expected, decoded));
    }

    [Fact]
    public void More_runs_of_stray_bytes_than_the_limit_are_refused()
    {
        // Each run is a piece ImageSharp reads; a file of tiny segments each followed by a stray byte would make millions.
        var strayed = WithComments(TestData.ReadFacePhoto("obama.jpg"), JpegLibjpegTolerance.MaxStrayRuns + 1, [0x00]);

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

    // `count` empty comment segments after SOI, each with `stray` bytes before it.
    private static byte[] WithComments(byte[] jpeg, int count, byte[] stray)
    {
        var comments = Enumerable.Repeat<byte[]>([.. stray, 0xFF, Comment, 0x00, 0x02], count).SelectMany(bytes => bytes);
        return [.. jpeg[..2], .. comments, .. jpeg[2..]];
    }
}
