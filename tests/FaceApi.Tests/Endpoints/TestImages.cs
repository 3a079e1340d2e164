using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceApi.Tests.Endpoints;

/// <summary>Images made in the test from the real photos or from nothing.</summary>
internal static class TestImages
{
    /// <summary>A plain grey JPEG: a valid image without a face.</summary>
    public static byte[] WithoutFace()
    {
        using var image = new Image<Rgb24>(320, 240, new Rgb24(128, 128, 128));
        return Encode(image, new JpegEncoder());
    }

    /// <summary>A PNG one pixel wider than <paramref name="maxWidth"/>: a few hundred bytes, over the pixel limits.</summary>
    public static byte[] Wider(int maxWidth)
    {
        using var image = new Image<Rgb24>(maxWidth + 1, 1);
        return Encode(image, new PngEncoder());
    }

    /// <summary>
    /// The photo stored turned a quarter to the left with EXIF orientation 6 (RightTop), as a phone
    /// held upright writes it: a viewer, and the service, turn it back to <paramref name="photo"/>'s size.
    /// </summary>
    public static byte[] StoredSidewaysWithExifOrientation(byte[] photo)
    {
        using var stored = Image.Load<Rgb24>(photo);
        stored.Mutate(context => context.Rotate(RotateMode.Rotate270));
        stored.Metadata.ExifProfile = new ExifProfile();
        stored.Metadata.ExifProfile.SetValue(ExifTag.Orientation, ExifOrientationMode.RightTop);
        return Encode(stored, new JpegEncoder { Quality = 95 });
    }

    private static byte[] Encode(Image image, SixLabors.ImageSharp.Formats.IImageEncoder encoder)
    {
        using var stream = new MemoryStream();
        image.Save(stream, encoder);
        return stream.ToArray();
    }
}
