using FaceApi.Testing;
using System.Diagnostics;
using FaceApi.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceApi.Core.Tests.Imaging;

public sealed class ImageDecoderTests
{
    // A portrait JPEG (910x1137) without EXIF rotation, so a 90-degree error shows in the size.
    private const string UprightPhoto = "obama.jpg";

    private readonly ImageDecoder _decoder = new(new ImageDecodingOptions());

    public static TheoryData<string> FacePhotos => [.. TestData.FacePhotoNames()];

    [Theory]
    [MemberData(nameof(FacePhotos))]
    public void Decodes_every_shared_photo_to_the_pixels_of_a_full_imagesharp_decode(string fileName)
    {
        var encoded = TestData.ReadFacePhoto(fileName);
        using var reference = Image.Load<Rgb24>(encoded);
        reference.Mutate(static context => context.AutoOrient());

        using var decoded = _decoder.Decode(encoded);

        Assert.Equal(0, PixelDifference.MeanAbsolute(reference, decoded));
    }

    [Fact]
    public void Decodes_a_progressive_jpeg()
    {
        var encoded = TestData.ReadFacePhoto("obama_family.jpg");
        // SOF2, progressive DCT (ITU-T T.81, B.1.1.3); 0xFF 0xC2 cannot occur inside entropy-coded data.
        Assert.True(encoded.AsSpan().IndexOf([(byte)0xFF, (byte)0xC2]) > 0, "the photo should be progressive");

        using var decoded = _decoder.Decode(encoded);

        Assert.Equal(new Size(640, 427), decoded.Size());
    }

    [Fact]
    public void Drops_alpha_from_the_shared_rgba_png_and_keeps_the_stored_colours()
    {
        var encoded = TestData.ReadFacePhoto("32bit.png");
        using var rgba = Image.Load<Rgba32>(encoded);
        using var storedColours = rgba.CloneAs<Rgb24>();

        using var decoded = _decoder.Decode(encoded);

        Assert.Equal(0, PixelDifference.MeanAbsolute(storedColours, decoded));
    }

    [Fact]
    public void Drops_alpha_from_a_translucent_png_rather_than_compositing_it()
    {
        using var photo = LoadUprightPhoto();
        using var translucent = photo.CloneAs<Rgba32>();
        translucent.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (ref var pixel in rows.GetRowSpan(y))
                {
                    pixel.A = (byte)(1 + (y % 255));
                }
            }
        });

        using var decoded = _decoder.Decode(Encode(translucent, new PngEncoder { ColorType = PngColorType.RgbWithAlpha }));

        Assert.Equal(0, PixelDifference.MeanAbsolute(photo, decoded));
    }

    public static TheoryData<string> EncodedFormats => [.. Encoders.Keys];

    // Lossless formats must give the photo back exactly. The bounds for lossy ones are about 1.7x the mean
    // difference measured with ImageSharp 2.1.13 on the half-size photo: JPEG q90 1.52, 256-colour palette
    // PNG 3.73, GIF 4.83, WebP (default quality 75) 2.93.
    private static readonly Dictionary<string, (IImageEncoder Encoder, double MaxMeanDifference)> Encoders = new()
    {
        ["baseline JPEG"] = (new JpegEncoder { Quality = 90 }, 2.5),
        ["16-bit PNG"] = (new PngEncoder { ColorType = PngColorType.Rgb, BitDepth = PngBitDepth.Bit16 }, 0),
        ["palette PNG"] = (new PngEncoder { ColorType = PngColorType.Palette }, 6.0),
        ["24-bit BMP"] = (new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 }, 0),
        ["single-frame GIF"] = (new GifEncoder(), 8.0),
        ["lossy WebP"] = (new WebpEncoder { FileFormat = WebpFileFormatType.Lossy }, 5.0),
        ["TIFF"] = (new TiffEncoder(), 0),
    };

    [Theory]
    [MemberData(nameof(EncodedFormats))]
    public void Decodes_a_photo_encoded_as(string format)
    {
        var (encoder, maxMeanDifference) = Encoders[format];
        using var photo = LoadUprightPhoto();

        using var decoded = _decoder.Decode(Encode(photo, encoder));

        Assert.InRange(PixelDifference.MeanAbsolute(photo, decoded), 0, maxMeanDifference);
    }

    [Fact]
    public void Refuses_a_lossless_webp_as_unsupported()
    {
        // ImageSharp 2.1.13 builds every Huffman group a lossless WebP names: see WebpLosslessRefusal.
        using var photo = LoadUprightPhoto();
        photo.Mutate(context => context.Crop(64, 64));

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Decode(Encode(photo, new WebpEncoder { FileFormat = WebpFileFormatType.Lossless })));

        Assert.Equal(ImageErrorCode.UnsupportedFormat, exception.Code);
    }

    [Fact]
    public void Refuses_a_webp_whose_alpha_is_compressed_losslessly_as_unsupported()
    {
        // "RIFF", size, "WEBP", then an ALPH chunk whose first byte names compression method 1, lossless
        // (WebP container specification, "Alpha"): the lossless decoder would read it.
        byte[] webp = [.. "RIFF\u000e\0\0\0WEBPALPH\u0002\0\0\0"u8, 0x01, 0x00];

        var exception = Assert.Throws<ImageDecodingException>(() => _decoder.Decode(webp));

        Assert.Equal(ImageErrorCode.UnsupportedFormat, exception.Code);
    }

    [Fact]
    public void Decodes_a_grayscale_jpeg_into_equal_rgb_channels()
    {
        using var photo = LoadUprightPhoto();
        using var gray = photo.CloneAs<L8>();
        using var grayAsRgb = gray.CloneAs<Rgb24>();

        using var decoded = _decoder.Decode(Encode(gray, new JpegEncoder { ColorType = JpegColorType.Luminance, Quality = 90 }));

        Assert.InRange(PixelDifference.MeanAbsolute(grayAsRgb, decoded), 0, 2.0); // measured 1.13
        decoded.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                foreach (var pixel in rows.GetRowSpan(y))
                {
                    Assert.True(pixel.R == pixel.G && pixel.G == pixel.B, $"row {y} holds a coloured pixel");
                }
            }
        });
    }

    [Fact]
    public void Decodes_only_the_first_frame_of_an_animated_gif()
    {
        using var photo = LoadUprightPhoto();
        using var animation = photo.Clone();
        animation.Frames.CreateFrame(new Rgb24(0, 0, 0));
        animation.Frames.CreateFrame(new Rgb24(255, 255, 255));

        using var decoded = _decoder.Decode(Encode(animation, new GifEncoder()));

        Assert.Equal(1, decoded.Frames.Count);
        // Measured: the photo frame differs by 5.53 after quantisation, the black frame by 80.
        Assert.InRange(PixelDifference.MeanAbsolute(photo, decoded), 0, 9.0);
    }

    [Fact]
    public void Decodes_a_gif_of_thousands_of_frames_at_the_cost_of_one()
    {
        // All 5000 frames composed on the 512x512 canvas would need 5000 x 768 KiB = 3.7 GiB; ImageSharp's
        // default (all frames) took 1.5 s for just 300 of them (measured with 2.1.13).
        var encoded = CraftedImages.GifWithOnePixelFrames(canvasSize: 512, frameCount: 5000);
        _decoder.Decode(encoded).Dispose();
        var stopwatch = Stopwatch.StartNew();
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();

        using var decoded = _decoder.Decode(encoded);

        stopwatch.Stop();
        // Counted on this thread, which decodes the frames, so tests alongside do not blur it: one
        // 512x512 frame is about 1 MiB, all of them 3.7 GiB. The time is only printed.
        var allocatedMiB = (GC.GetAllocatedBytesForCurrentThread() - allocatedBefore) / 1048576.0;
        TestContext.Current.TestOutputHelper?.WriteLine($"Decoded in {stopwatch.Elapsed.TotalMilliseconds:F0} ms, {allocatedMiB:F1} MiB allocated.");
        Assert.Equal(1, decoded.Frames.Count);
        Assert.Equal(new Size(512, 512), decoded.Size());
        Assert.InRange(allocatedMiB, 0, 64);
    }

    [Theory]
    [InlineData(ExifOrientationMode.RightTop, RotateMode.Rotate270)]
    [InlineData(ExifOrientationMode.LeftBottom, RotateMode.Rotate90)]
    [InlineData(ExifOrientationMode.BottomRight, RotateMode.Rotate180)]
    public void Applies_exif_orientation_so_a_rotated_camera_photo_comes_back_upright(ushort orientation, RotateMode storedRotation)
    {
        using var upright = LoadUprightPhoto();
        var encoded = EncodeRotatedWithOrientation(upright, storedRotation, orientation);

        using var decoded = _decoder.Decode(encoded);

        Assert.Equal(upright.Size(), decoded.Size());
        // Measured: JPEG q95 re-encoding alone differs by 1.16; the image turned 180 degrees wrong, by 80.
        Assert.InRange(PixelDifference.MeanAbsolute(upright, decoded), 0, 2.0);
    }

    [Fact]
    public void An_exif_orientation_after_the_scan_turns_nothing_as_in_opencv()
    {
        // OpenCV takes EXIF from the markers libjpeg saves before the first scan: checked with python3-opencv
        // 4.6, an APP1 of Orientation 6 just before EOI leaves the image as stored. ImageSharp's Identify
        // stops at the scan too, but its full decode read the late EXIF and turned the image Identify had
        // sized and counted as stored.
        using var upright = LoadUprightPhoto();
        // Without the photo's own EXIF, which ImageSharp would read instead of a later one.
        upright.Metadata.ExifProfile = null;
        var jpeg = Encode(upright, new JpegEncoder { Quality = 95 });
        byte[] exif = [.. "Exif\0\0II*\0"u8, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0];
        byte[] lateExif = [.. jpeg[..^2], 0xFF, 0xE1, 0, (byte)(2 + exif.Length), .. exif, .. jpeg[^2..]];
        using var stored = _decoder.Decode(jpeg);

        var identified = _decoder.Identify(lateExif);
        using var decoded = _decoder.Decode(identified);

        Assert.Equal(upright.Size(), new Size(identified.Width, identified.Height));
        Assert.Equal(0, identified.DecoderBufferBytes);
        Assert.Equal(0, PixelDifference.MeanAbsolute(stored, decoded));
    }

    [Fact]
    public void Applies_size_limits_to_the_upright_dimensions()
    {
        using var upright = LoadUprightPhoto();
        var encoded = EncodeRotatedWithOrientation(upright, RotateMode.Rotate270, ExifOrientationMode.RightTop);
        var decoder = new ImageDecoder(new ImageDecodingOptions { MaxWidth = upright.Width, MaxHeight = upright.Height });

        using var decoded = decoder.Decode(encoded);

        Assert.Equal(upright.Size(), decoded.Size());
    }

    [Fact]
    public void Reads_an_image_from_the_middle_of_a_larger_buffer()
    {
        var photo = TestData.ReadFacePhoto(UprightPhoto);
        var buffer = new byte[photo.Length + 200];
        photo.CopyTo(buffer, 100);

        using var decoded = _decoder.Decode(buffer.AsMemory(100, photo.Length));

        Assert.Equal(new Size(910, 1137), decoded.Size());
    }

    [Fact]
    public void Decodes_the_same_pixels_from_many_threads_at_once()
    {
        var encoded = TestData.ReadFacePhoto(UprightPhoto);
        using var expected = _decoder.Decode(encoded);

        var differences = new double[16];
        Parallel.For(0, differences.Length, index =>
        {
            using var decoded = _decoder.Decode(encoded);
            differences[index] = PixelDifference.MeanAbsolute(expected, decoded);
        });

        Assert.All(differences, difference => Assert.Equal(0, difference));
    }

    [Fact]
    public void Decodes_a_jpeg_followed_by_trailing_bytes_after_its_end_marker()
    {
        // Phones append data after EOI (e.g. the video of a "motion photo"); the image itself is complete.
        var photo = TestData.ReadFacePhoto(UprightPhoto);
        byte[] withTrailer = [.. photo, .. new byte[4096]];

        using var decoded = _decoder.Decode(withTrailer);

        Assert.Equal(new Size(910, 1137), decoded.Size());
    }

    // Half size (455x568) keeps the encoders quick.
    private static Image<Rgb24> LoadUprightPhoto()
    {
        var photo = Image.Load<Rgb24>(TestData.ReadFacePhoto(UprightPhoto));
        var halfSize = photo.Size() / 2;
        photo.Mutate(context => context.Resize(halfSize));
        return photo;
    }

    private static byte[] Encode(Image image, IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }

    // Stores the upright photo turned by storedRotation and tags it so that a viewer turns it back.
    private static byte[] EncodeRotatedWithOrientation(Image<Rgb24> upright, RotateMode storedRotation, ushort orientation)
    {
        using var stored = upright.Clone(context => context.Rotate(storedRotation));
        stored.Metadata.ExifProfile = new ExifProfile();
        stored.Metadata.ExifProfile.SetValue(ExifTag.Orientation, orientation);
        return Encode(stored, new JpegEncoder { Quality = 95 });
    }
}
