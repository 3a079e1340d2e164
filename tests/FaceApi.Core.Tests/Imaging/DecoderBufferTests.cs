using System.Diagnostics;
using FaceApi.Core.Imaging;
using FaceApi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static FaceApi.Testing.CraftedImages;

namespace FaceApi.Core.Tests.Imaging;

/// <summary>
/// What ImageSharp 2.1.13 holds or does beside the decoded pixels, read from the header before it decodes:
/// a TIFF's strip buffer (sized by RowsPerStrip, not the height) and the bytes it decompresses (every strip,
/// wherever it points), and a multi-scan JPEG's coefficients. An attacking session made each cost a gigabyte
/// or tens of CPU-seconds from a few kilobytes; each is now refused or counted.
/// </summary>
public sealed class DecoderBufferTests
{
    private readonly ImageDecoder _decoder = new(new ImageDecodingOptions());

    [Theory]
    [InlineData(5u)]
    [InlineData(1u)]
    [InlineData(uint.MaxValue)]
    [InlineData(100u)]
    public void A_tiff_in_strips_decodes_to_its_pixels(uint rowsPerStrip)
    {
        // 100 rows per strip is more than the 48 the image has: what libtiff writes for a small image.
        var pixels = Gradient(64, 48, 3);

        using var image = _decoder.Decode(TiffOf(64, 48, 3, pixels, rowsPerStrip));

        Assert.Equal(new Size(64, 48), image.Size());
        Assert.Equal(new Rgb24(pixels[(((47 * 64) + 63) * 3)], pixels[(((47 * 64) + 63) * 3) + 1], pixels[(((47 * 64) + 63) * 3) + 2]), image[63, 47]);
    }

    [Fact]
    public void A_tiff_whose_strips_overlap_is_refused_before_imagesharp_decompresses_them()
    {
        // 4000 one-row strips, each claiming all of the image's data: ImageSharp would read it 4000 times
        // (an attacker's 12,000 strips over 19.5 MB of PackBits cost 152 CPU-seconds).
        var pixels = Gradient(64, 4000, 1);
        var overlapping = Enumerable.Repeat((0u, (uint)pixels.Length), 4000).ToArray();
        var started = Stopwatch.GetTimestamp();

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Identify(TiffOf(64, 4000, 1, pixels, 1, overlapping)));

        Assert.Equal(ImageErrorCode.InvalidImage, exception.Code);
        TestContext.Current.TestOutputHelper?.WriteLine($"Refused in {Stopwatch.GetElapsedTime(started).TotalMilliseconds:F1} ms: {exception.Message}");
    }

    [Fact]
    public void A_tiff_whose_strips_would_need_more_memory_than_the_largest_image_is_refused()
    {
        // 12000x1 grey with RowsPerStrip 20,000: a 36 KB file for which ImageSharp would allocate and clear
        // a 240 MB strip buffer (the attacker's RGBA float32 version: 1.06 GB from 384 bytes).
        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Identify(TiffOf(12000, 1, 1, Gradient(12000, 1, 1), 20_000)));

        Assert.Equal(ImageErrorCode.ImageTooLarge, exception.Code);
    }

    [Fact]
    public void A_progressive_jpeg_is_refused_when_its_coefficients_and_pixels_pass_the_pixel_limit()
    {
        // obama_family.jpg's 273,280 pixels fit a 600,000-pixel limit; with its coefficients, decoding holds 641,920 pixels' worth.
        var decoder = new ImageDecoder(new ImageDecodingOptions { MaxPixels = 600_000 });

        var exception = Assert.Throws<ImageDecodingException>(() => decoder.Identify(TestData.ReadFacePhoto("obama_family.jpg")));

        Assert.Equal(ImageErrorCode.ImageTooLarge, exception.Code);
        using var within = new ImageDecoder(new ImageDecodingOptions { MaxPixels = 641_920 }).Decode(TestData.ReadFacePhoto("obama_family.jpg"));
        Assert.Equal(new Size(640, 427), within.Size());
    }

    // The same attacks with their tags typed otherwise, or given twice: ImageSharp 2.1.13 reads SSHORT and
    // SLONG where it reads SHORT and LONG, and keeps a tag's first value (found in review and by a second
    // attacking session).
    public static TheoryData<string, string> RetypedTiffs => new()
    {
        { "RowsPerStrip 20,000 as SLONG", ImageErrorCode.ImageTooLarge },
        { "RowsPerStrip 20,000, then 1", ImageErrorCode.InvalidImage },
        { "ImageWidth as SLONG", ImageErrorCode.ImageTooLarge },
        { "BitsPerSample 32 as SSHORT", ImageErrorCode.ImageTooLarge },
        { "overlapping StripByteCounts as SLONG", ImageErrorCode.InvalidImage },
        { "JPEG compression as SLONG", ImageErrorCode.UnsupportedFormat },
    };

    [Theory]
    [MemberData(nameof(RetypedTiffs))]
    public void A_tiff_tag_read_otherwise_than_imagesharp_reads_it_does_not_get_past_the_checks(string trick, string expected)
    {
        var tiff = trick switch
        {
            "RowsPerStrip 20,000 as SLONG" => TiffOf(12000, 1, 1, Gradient(12000, 1, 1), 1, null, (278, 9, [20_000])),
            "RowsPerStrip 20,000, then 1" => TiffOf(12000, 1, 1, Gradient(12000, 1, 1), 1, null, (278, 3, [20_000]), (278, 4, [1])),
            // 12000x1 grey, one strip of 20,000 rows: 240 MB whatever the width's type.
            "ImageWidth as SLONG" => TiffOf(12000, 1, 1, Gradient(12000, 1, 1), 20_000, null, (256, 9, [12000])),
            // 4 samples of 32 bits: a 12000x1 strip of 20,000 rows is 3.8 GB, not the 8-bit one's 240 MB.
            "BitsPerSample 32 as SSHORT" => TiffOf(12000, 1, 1, Gradient(12000, 1, 1), 2_000, null, (258, 8, [32, 32, 32, 32]), (277, 3, [4])),
            "overlapping StripByteCounts as SLONG" => TiffOf(64, 4000, 1, Gradient(64, 4000, 1), 1, [.. Enumerable.Repeat((0u, 1u), 4000)], (279, 9, [.. Enumerable.Repeat(64u * 4000, 4000)])),
            _ => TiffOf(64, 48, 1, Gradient(64, 48, 1), uint.MaxValue, null, (259, 9, [7])),
        };

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Identify(tiff));

        Assert.True(exception.Code == expected, $"{trick}: {exception.Code}, {exception.Message}");
    }

    [Theory]
    [InlineData((ushort)1, 1)]
    [InlineData((ushort)6, 1)]
    [InlineData((ushort)3, 2)]
    public void A_rows_per_strip_of_a_type_imagesharp_drops_is_counted_as_the_whole_image(ushort type, int count)
    {
        // RowsPerStrip typed BYTE or SBYTE: ImageSharp takes no such value for it, so it decodes one strip of
        // all 40 rows (found in review: read here as 1 row, a 7000x7000 16-bit TIFF held 280 MiB uncounted).
        // One strip of 40x40 RGB is 1,600 pixels' worth beside the 1,600 pixels: over a 3,000-pixel limit.
        var decoder = new ImageDecoder(new ImageDecodingOptions { MaxPixels = 3_000 });

        // Or of two values (a fourth session: SHORT 1, 1 was one row here and 7000 to ImageSharp).
        var exception = Assert.Throws<ImageDecodingException>(() => decoder.Identify(TiffOf(40, 40, 3, Gradient(40, 40, 3), 40, null, (278, type, [.. Enumerable.Repeat(1u, count)]))));

        Assert.Equal(ImageErrorCode.ImageTooLarge, exception.Code);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1u << 31)]
    public void A_rows_per_strip_imagesharp_reads_as_one_strip_is_counted_as_one_strip(uint rowsPerStrip)
    {
        // ImageSharp reads RowsPerStrip into an int: int.MaxValue and above mean the whole image, as the
        // tag's default 2^32 - 1 does (found in review: these were refused as 393,216 MiB strips).
        using var image = _decoder.Decode(TiffOf(64, 48, 3, Gradient(64, 48, 3), rowsPerStrip));

        Assert.Equal(new Size(64, 48), image.Size());
    }

    [Fact]
    public void A_progressive_jpeg_of_one_scan_counts_its_coefficients()
    {
        // ImageSharp keeps the coefficients of any progressive frame, however many scans it has (a second
        // attacking session got +518 MiB from a 171-byte progressive JPEG of one scan).
        var family = TestData.ReadFacePhoto("obama_family.jpg");
        var walk = new JpegMarkerWalk(family);
        while (walk.MoveNext() && walk.Marker != JpegMarkerWalk.StartOfScan)
        {
        }

        byte[] oneScan = [.. family[..walk.SegmentEnd], 0xFF, 0xD9];

        Assert.Equal(40 * 54 * 4 * 64 * 2, _decoder.Identify(oneScan).DecoderBufferBytes);
    }

    [Fact]
    public void A_baseline_jpeg_whose_first_scan_names_fewer_components_than_its_frame_counts_their_coefficients()
    {
        // obama.jpg: 910x1137, baseline, three components at 1x1 (4:4:4), so 114 x 143 blocks each. With its
        // scan header cut to name one component, ImageSharp keeps all three components' coefficients.
        var photo = TestData.ReadFacePhoto("obama.jpg");
        var scan = FirstScanOf(photo);
        var length = (photo[scan + 2] << 8) | photo[scan + 3];
        byte[] oneComponent = [.. photo[..scan], 0xFF, 0xDA, 0x00, 0x08, 0x01, photo[scan + 5], photo[scan + 6], .. photo[(scan + 2 + length - 3)..]];

        Assert.Equal(114 * 143 * 3 * 64 * 2, _decoder.Identify(oneComponent).DecoderBufferBytes);
    }

    [Theory]
    [InlineData((ushort)1, 0)]
    [InlineData((ushort)6, 1)]
    [InlineData((ushort)3, 1)]
    public void An_exif_orientation_counts_the_turned_copy_in_what_decoding_it_holds(ushort orientation, int copies)
    {
        // obama.jpg re-encoded without metadata (910x1137), with one EXIF entry: Orientation.
        using var image = Image.Load<Rgb24>(TestData.ReadFacePhoto("obama.jpg"));
        image.Metadata.ExifProfile = new SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifProfile();
        image.Metadata.ExifProfile.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Orientation, orientation);
        using var encoded = new MemoryStream();
        image.SaveAsJpeg(encoded);

        var identified = _decoder.Identify(encoded.ToArray());

        Assert.Equal(copies * 3L * 910 * 1137, identified.DecoderBufferBytes);
    }

    [Theory]
    [InlineData(1000, 1000, false)]
    [InlineData(65535, 3000, true)]
    public void A_gif_frames_indices_count_in_what_decoding_it_holds(int frameWidth, int frameHeight, bool refused)
    {
        // A frame on a 1x1 logical screen, which alone sets the image's size: ImageSharp decodes every index
        // of the frame (an attacking session: 65535x12000, 4 CPU-s for 12,000 pixels kept). 65535 x 3000
        // bytes are 65.5 M RGB24 pixels' worth, over the 50 M limit.
        byte[] gif =
        [
            .. "GIF89a"u8, 1, 0, 1, 0, 0, 0, 0,
            0x2C, 0, 0, 0, 0, (byte)frameWidth, (byte)(frameWidth >> 8), (byte)frameHeight, (byte)(frameHeight >> 8), 0x80,
            0, 0, 0, 255, 255, 255, // the frame's two-colour table
            2, 2, 0x4C, 0x01, 0, // LZW: minimum code size 2, one sub-block (clear, 0, end), terminator
            0x3B,
        ];

        if (refused)
        {
            Assert.Equal(ImageErrorCode.ImageTooLarge, Assert.Throws<ImageDecodingException>(() => _decoder.Identify(gif)).Code);
        }
        else
        {
            Assert.Equal((long)frameWidth * frameHeight, _decoder.Identify(gif).DecoderBufferBytes);
        }
    }

    [Fact]
    public void A_tiffs_strip_buffer_is_counted_in_what_decoding_it_holds()
    {
        var identified = _decoder.Identify(TiffOf(100, 100, 3, Gradient(100, 100, 3), uint.MaxValue));

        // One strip of the whole image: 30,000 bytes, 10,000 RGB24 pixels' worth beside its own 10,000.
        Assert.Equal(100 * 100 * 3, identified.DecoderBufferBytes);
        Assert.Equal(20_000, identified.DecodingPixels);
    }

    [Fact]
    public void A_ycbcr_tiffs_upsampling_buffer_is_counted_beside_its_strip_buffer()
    {
        // 100x100 YCbCr in one strip: ImageSharp copies the strip into (100 + 4) x (100 + 4) 3-byte pixels
        // to undo chroma subsampling, beside the 30,000-byte strip buffer.
        var identified = _decoder.Identify(TiffOf(100, 100, 3, Gradient(100, 100, 3), uint.MaxValue, null, (262, 3, [6])));

        Assert.Equal((100 * 100 * 3) + (104 * 104 * 3), identified.DecoderBufferBytes);
    }

    [Fact]
    public void A_progressive_jpegs_coefficients_are_counted_in_what_decoding_it_holds()
    {
        // obama_family.jpg: 640x427, progressive, 4:2:2 (luma 2x1 blocks a 16x8 MCU, each chroma 1x1), so
        // 40 x 54 MCUs of 4 blocks of 64 two-byte coefficients (ITU-T T.81, A.2).
        var identified = _decoder.Identify(TestData.ReadFacePhoto("obama_family.jpg"));
        var baseline = _decoder.Identify(TestData.ReadFacePhoto("obama.jpg"));

        Assert.Equal(40 * 54 * 4 * 64 * 2, identified.DecoderBufferBytes);
        // 1,105,920 bytes are 368,640 RGB24 pixels' worth, beside the image's 273,280.
        Assert.Equal(273_280 + 368_640, identified.DecodingPixels);
        Assert.Equal(0, baseline.DecoderBufferBytes);
        Assert.Equal(baseline.Pixels, baseline.DecodingPixels);
    }

    [Theory]
    [InlineData(false, 4)]
    [InlineData(true, 4 + 1 + 4)]
    public void A_lossy_webps_frame_buffer_and_alpha_planes_are_counted_in_what_decoding_it_holds(bool withAlpha, int bytesPerPixel)
    {
        // obama.jpg (910x1137) as lossy WebP: ImageSharp decodes the frame to 4 bytes a pixel first, and
        // with alpha (VP8X's flag, an uncompressed ALPH chunk) a byte a pixel of alpha and a cleared
        // lossless decoder's buffer of 4 more.
        using var photo = Image.Load<Rgba32>(TestData.ReadFacePhoto("obama.jpg"));
        if (withAlpha)
        {
            photo.Mutate(static context => context.Opacity(0.5f));
        }

        using var encoded = new MemoryStream();
        photo.Save(encoded, new WebpEncoder
        {
            FileFormat = WebpFileFormatType.Lossy,
            UseAlphaCompression = false,
        });
        var webp = encoded.ToArray();

        var identified = _decoder.Identify(webp);

        Assert.Equal(withAlpha, webp.AsSpan(0, 40).IndexOf("ALPH"u8) >= 0);
        Assert.Equal((long)bytesPerPixel * 910 * 1137, identified.DecoderBufferBytes);
        using var decoded = _decoder.Decode(webp);
        Assert.Equal(new Size(910, 1137), decoded.Size());
    }

    [Fact]
    public void A_lossy_webp_is_refused_when_its_frame_buffer_and_pixels_pass_the_pixel_limit()
    {
        // 16 all-black 7000x7000 lossy WebPs of 87 KB each raised RSS by 311 MiB while the pixel budget
        // counted 3 bytes a pixel. Scaled: obama.jpg's 1,034,670 pixels as WebP hold 2,414,230 pixels' worth
        // with the frame buffer's 4 bytes a pixel.
        using var photo = Image.Load<Rgb24>(TestData.ReadFacePhoto("obama.jpg"));
        using var encoded = new MemoryStream();
        photo.Save(encoded, new WebpEncoder { FileFormat = WebpFileFormatType.Lossy });

        var exception = Assert.Throws<ImageDecodingException>(() => new ImageDecoder(new ImageDecodingOptions { MaxPixels = 2_414_229 }).Identify(encoded.ToArray()));

        Assert.Equal(ImageErrorCode.ImageTooLarge, exception.Code);
        Assert.Equal(2_414_230, new ImageDecoder(new ImageDecodingOptions { MaxPixels = 2_414_230 }).Identify(encoded.ToArray()).DecodingPixels);
    }

    // Where the first scan's segment starts, found as the decoder finds it (an EXIF thumbnail has scans of its own).
    private static int FirstScanOf(byte[] jpeg)
    {
        var walk = new JpegMarkerWalk(jpeg);
        while (walk.MoveNext() && walk.Marker != JpegMarkerWalk.StartOfScan)
        {
        }

        return walk.SegmentStart;
    }

    private static byte[] Gradient(int width, int height, int samples)
    {
        var pixels = new byte[width * height * samples];
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)((i * 7) + (i / (width * samples)));
        }

        return pixels;
    }
}
