using FaceApi.Testing;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using FaceApi.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;

namespace FaceApi.Core.Tests.Imaging;

public sealed class ImageDecoderFailureTests
{
    private const string Photo = "obama.jpg"; // 910x1137, 279,922 bytes

    private readonly ImageDecoder _decoder = new(new ImageDecodingOptions());

    [Fact]
    public void Refuses_zero_bytes_as_invalid() => AssertRefused(ImageErrorCode.InvalidImage, []);

    [Fact]
    public void Refuses_random_bytes_as_invalid()
    {
        var noise = new byte[64 * 1024];
        new Random(20240601).NextBytes(noise);

        AssertRefused(ImageErrorCode.InvalidImage, noise);
    }

    [Fact]
    public void Refuses_a_text_file_uploaded_as_photo_jpg_as_invalid() =>
        AssertRefused(ImageErrorCode.InvalidImage, "This is a note, not a photo.\n"u8.ToArray());

    [Theory]
    [InlineData("obama.jpg", 0.5)] // baseline, cut inside the entropy-coded data
    [InlineData("obama.jpg", 0.001)] // cut inside the EXIF segment
    [InlineData("obama_family.jpg", 0.7)] // progressive, cut between or inside later scans
    public void Refuses_a_truncated_jpeg_as_invalid(string fileName, double keptFraction)
    {
        var photo = TestData.ReadFacePhoto(fileName);

        AssertRefused(ImageErrorCode.InvalidImage, photo[..(int)(photo.Length * keptFraction)]);
    }

    [Fact]
    public void Refuses_a_jpeg_missing_only_its_end_marker_as_invalid()
    {
        var photo = TestData.ReadFacePhoto(Photo);

        AssertRefused(ImageErrorCode.InvalidImage, photo[..^2]);
    }

    [Fact]
    public void Refuses_a_truncated_png_as_invalid() =>
        AssertRefused(ImageErrorCode.InvalidImage, HalfOf(EncodePhoto(new PngEncoder())));

    [Fact]
    public void Refuses_a_truncated_webp_as_invalid() =>
        AssertRefused(ImageErrorCode.InvalidImage, HalfOf(EncodePhoto(new WebpEncoder())));

    [Fact]
    public void Refuses_a_truncated_tiff_as_invalid() =>
        AssertRefused(ImageErrorCode.InvalidImage, HalfOf(EncodePhoto(new TiffEncoder())));

    [Fact]
    public void Refuses_a_png_declaring_100000_by_100000_pixels_from_its_header_alone()
    {
        var bomb = CraftedImages.PngHeaderDeclaring(100_000, 100_000);
        AssertRefused(ImageErrorCode.ImageTooLarge, CraftedImages.PngHeaderDeclaring(100, 100_000)); // warm-up
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();

        AssertRefused(ImageErrorCode.ImageTooLarge, bomb);

        stopwatch.Stop();
        // The pixels would take 30 GB as RGB24; refusing them from the header costs a few kilobytes.
        // Counted on this thread, so tests running alongside do not blur it; the time is only printed.
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        TestContext.Current.TestOutputHelper?.WriteLine($"Refused in {stopwatch.Elapsed.TotalMilliseconds:F1} ms, {allocated / 1024} KiB allocated.");
        Assert.InRange(allocated, 0, 1024 * 1024);
    }

    [Fact]
    public void Refuses_an_upload_over_the_encoded_size_limit()
    {
        var photo = TestData.ReadFacePhoto(Photo);
        var decoder = new ImageDecoder(new ImageDecodingOptions { MaxEncodedBytes = photo.Length - 1 });

        AssertRefused(decoder, ImageErrorCode.ImageTooLarge, photo);
    }

    [Theory]
    [InlineData(909, 12_000, 50_000_000)]
    [InlineData(12_000, 1136, 50_000_000)]
    [InlineData(12_000, 12_000, 910 * 1137 - 1)]
    public void Refuses_an_image_over_a_dimension_or_pixel_limit(int maxWidth, int maxHeight, int maxPixels)
    {
        var decoder = new ImageDecoder(new ImageDecodingOptions { MaxWidth = maxWidth, MaxHeight = maxHeight, MaxPixels = maxPixels });

        AssertRefused(decoder, ImageErrorCode.ImageTooLarge, TestData.ReadFacePhoto(Photo));
    }

    [Theory]
    // ISO BMFF box: size 0x18, "ftyp", major brand, minor version 0, compatible brands.
    [InlineData("00000018 66747970 68656963 00000000 6D696631 68656963", "HEIC (iPhone)")]
    [InlineData("00000018 66747970 6D696631 00000000 6D696631 68656963", "HEIF, generic major brand")]
    [InlineData("0000001C 66747970 61766966 00000000 61766966 6D696631 6D696166", "AVIF")]
    [InlineData("00000018 66747970 6D696631 00000000 6D696631 61766966", "AVIF behind a generic HEIF major brand")]
    [InlineData("0000000C 4A584C20 0D0A870A", "JPEG XL container")]
    [InlineData("FF0AFA7F", "JPEG XL codestream")]
    [InlineData("0000000C 6A502020 0D0A870A", "JPEG 2000")]
    [InlineData("38425053 00010000", "Photoshop")]
    [InlineData("00000100 0100", "Windows icon")]
    public void Refuses_a_known_format_it_cannot_decode_as_unsupported(string headerHex, string description)
    {
        var header = Convert.FromHexString(headerHex.Replace(" ", "", StringComparison.Ordinal));

        AssertRefused(ImageErrorCode.UnsupportedFormat, [.. header, .. new byte[256]], description);
    }

    [Fact]
    public void Refuses_an_mp4_video_as_invalid_rather_than_unsupported()
    {
        // "ftyp" with the generic MP4 brands isom/mp42: a video, not an image format we could name.
        var header = Convert.FromHexString("000000186674797069736F6D0000020069736F6D6D703432");

        AssertRefused(ImageErrorCode.InvalidImage, [.. header, .. new byte[256]]);
    }

    [Fact]
    public void Refuses_an_animated_webp_as_unsupported() =>
        AssertRefused(ImageErrorCode.UnsupportedFormat, CraftedImages.AnimatedWebpHeader());

    [Fact]
    public void Rejects_options_outside_their_ranges_at_construction() =>
        Assert.Throws<ValidationException>(() => new ImageDecoder(new ImageDecodingOptions { MaxPixels = 0 }));

    [Fact]
    public void Running_out_of_memory_is_not_a_verdict_on_the_image_even_wrapped()
    {
        // Every other exception from a codec is (invalid_image); out of memory is the process's fault, and a
        // type initialiser that runs out throws it wrapped in TypeInitializationException.
        Assert.True(ImageDecoder.IsCodecFailure(new InvalidOperationException("Sequence contains no elements")));
        Assert.False(ImageDecoder.IsCodecFailure(new OutOfMemoryException()));
        Assert.False(ImageDecoder.IsCodecFailure(new TypeInitializationException("SixLabors.ImageSharp.Formats.Jpeg.JpegDecoderCore", new OutOfMemoryException())));
    }

    private void AssertRefused(string expectedCode, byte[] encoded, string? description = null) =>
        AssertRefused(_decoder, expectedCode, encoded, description);

    private static void AssertRefused(ImageDecoder decoder, string expectedCode, byte[] encoded, string? description = null)
    {
        var exception = Assert.Throws<ImageDecodingException>(() => decoder.Decode(encoded).Dispose());
        Assert.True(expectedCode == exception.Code, $"{description} expected {expectedCode}, got {exception.Code}: {exception.Message}");
    }

    private static byte[] HalfOf(byte[] encoded) => encoded[..(encoded.Length / 2)];

    // The smallest shared photo (640x427) keeps the encoders quick.
    private static byte[] EncodePhoto(IImageEncoder encoder)
    {
        using var photo = Image.Load(TestData.ReadFacePhoto("obama_family.jpg"));
        using var stream = new MemoryStream();
        photo.Save(stream, encoder);
        return stream.ToArray();
    }
}
