using FaceApi.Core.Imaging;
using FaceApi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceApi.Core.Tests.Imaging;

/// <summary>
/// A TIFF's Orientation tag turns it upright as OpenCV 4.6's <c>cv2.imread</c> does. Every expectation here
/// was first checked on the same crafted files with Debian's <c>python3-opencv</c> 4.6 and libtiff 4.5
/// (2 December 2026), including the way a pixel of the upright photo is stored under each orientation.
/// </summary>
public sealed class TiffOrientationTests
{
    private const ushort OrientationTag = 274;
    private const ushort ExifPointer = 0x8769;

    // Field types (TIFF 6.0 section 2; IFD from Adobe's TIFF Technical Note 1).
    private const ushort Byte = 1;
    private const ushort Short = 3;
    private const ushort Long = 4;
    private const ushort SignedShort = 8;
    private const ushort Ifd = 13;

    private readonly ImageDecoder _decoder = new(new ImageDecodingOptions());

    [Theory]
    [InlineData((ushort)1)]
    [InlineData((ushort)2)]
    [InlineData((ushort)3)]
    [InlineData((ushort)4)]
    [InlineData((ushort)5)]
    [InlineData((ushort)6)]
    [InlineData((ushort)7)]
    [InlineData((ushort)8)]
    public void A_tiff_stored_turned_comes_back_upright_at_the_size_identify_reports(ushort orientation)
    {
        using var upright = Photo();
        var tiff = StoredAs(upright, orientation, (OrientationTag, Short, [orientation]));

        var identified = _decoder.Identify(tiff);
        using var decoded = _decoder.Decode(identified);

        Assert.Equal(upright.Size(), new Size(identified.Width, identified.Height));
        Assert.Equal(0, PixelDifference.MeanAbsolute(upright, decoded));
        // The one strip ImageSharp reads the pixels into, and for a turn the upright copy it writes.
        var copies = orientation == 1 ? 1 : 2;
        Assert.Equal(copies * 3L * upright.Width * upright.Height, identified.DecoderBufferBytes);
    }

    [Theory]
    [InlineData(Long, new uint[] { 6 }, 6)]
    [InlineData(Byte, new uint[] { 6 }, 6)]
    [InlineData(SignedShort, new uint[] { 6 }, 6)]
    [InlineData(Ifd, new uint[] { 6 }, 1)] // a type libtiff does not take for the tag
    [InlineData(Short, new uint[] { 6, 3 }, 1)] // two values where the tag has one
    [InlineData(Short, new uint[] { 9 }, 1)] // past the eight TIFF defines
    [InlineData(Short, new uint[] { 0 }, 1)]
    public void Reads_the_tag_as_libtiff_does_for_opencv(ushort type, uint[] values, ushort appliedAs)
    {
        using var upright = Photo();
        // Stored as the orientation OpenCV applies needs it: upright only if read alike.
        var tiff = StoredAs(upright, appliedAs, (OrientationTag, type, values));

        using var decoded = _decoder.Decode(tiff);

        Assert.Equal(0, PixelDifference.MeanAbsolute(upright, decoded));
    }

    [Theory]
    [InlineData(6, 3, 6)]
    [InlineData(9, 6, 1)] // the first decides even when libtiff cannot take it
    public void Of_two_orientation_tags_the_first_counts(uint first, uint second, ushort appliedAs)
    {
        using var upright = Photo();
        var tiff = StoredAs(upright, appliedAs, (OrientationTag, Short, [first]), (OrientationTag, Short, [second]));

        using var decoded = _decoder.Decode(tiff);

        Assert.Equal(0, PixelDifference.MeanAbsolute(upright, decoded));
    }

    [Fact]
    public void An_orientation_in_the_exif_directory_alone_turns_nothing()
    {
        using var upright = Photo();
        var pixels = StoredPixels(upright, 1, out var width, out var height);
        // After the pixels, outside the one strip: an EXIF directory (pointed to by tag 34665, CIPA DC-008
        // 4.6.3) of one entry, Orientation 6, then no next directory.
        byte[] exifDirectory = [1, 0, 0x12, 0x01, (byte)Short, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0];
        // TiffOf writes the pixels 8 bytes into the file, after the header.
        var exifAt = 8 + (uint)pixels.Length;
        var tiff = CraftedImages.TiffOf(
            width, height, 3, [.. pixels, .. exifDirectory], uint.MaxValue, [(0, (uint)pixels.Length)], (ExifPointer, Long, [exifAt]));

        using var decoded = _decoder.Decode(tiff);

        Assert.Equal(0, PixelDifference.MeanAbsolute(upright, decoded));
    }

    // A portrait photo, small enough to store uncompressed: a quarter turn shows in the size.
    private static Image<Rgb24> Photo()
    {
        var photo = Image.Load<Rgb24>(TestData.ReadFacePhoto("obama.jpg"));
        photo.Mutate(static context => context.Resize(91, 113));
        return photo;
    }

    // An uncompressed RGB TIFF of `upright` as a camera stores it under `orientation`, with `entries` as its
    // only tags beyond the image's own.
    private static byte[] StoredAs(Image<Rgb24> upright, ushort orientation, params (ushort Tag, ushort Type, uint[] Values)[] entries)
    {
        var pixels = StoredPixels(upright, orientation, out var storedWidth, out var storedHeight);
        return CraftedImages.TiffOf(storedWidth, storedHeight, 3, pixels, uint.MaxValue, null, entries);
    }

    // The RGB samples of `upright` stored under `orientation`, row by row. Where each comes from is TIFF 6.0's
    // definition of the orientations (section 8: where row 0 and column 0 are in the upright image).
    private static byte[] StoredPixels(Image<Rgb24> upright, ushort orientation, out int storedWidth, out int storedHeight)
    {
        int width = upright.Width, height = upright.Height;
        var transposed = orientation >= 5;
        (storedWidth, storedHeight) = transposed ? (height, width) : (width, height);
        var pixels = new byte[storedWidth * storedHeight * 3];
        for (var y = 0; y < storedHeight; y++)
        {
            for (var x = 0; x < storedWidth; x++)
            {
                var (sourceX, sourceY) = orientation switch
                {
                    1 => (x, y),
                    2 => (width - 1 - x, y),
                    3 => (width - 1 - x, height - 1 - y),
                    4 => (x, height - 1 - y),
                    5 => (y, x),
                    6 => (width - 1 - y, x),
                    7 => (width - 1 - y, height - 1 - x),
                    _ => (y, height - 1 - x),
                };
                var pixel = upright[sourceX, sourceY];
                var at = ((y * storedWidth) + x) * 3;
                (pixels[at], pixels[at + 1], pixels[at + 2]) = (pixel.R, pixel.G, pixel.B);
            }
        }

        return pixels;
    }
}
