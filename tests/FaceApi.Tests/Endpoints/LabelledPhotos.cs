using FaceApi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;

namespace FaceApi.Tests.Endpoints;

/// <summary>The photos of faces.json as theory data, and what the service should say about them.</summary>
internal static class LabelledPhotos
{
    public static LabelledImage Label(string fileName) => TestData.Faces.Images.Single(image => image.File == $"faces/{fileName}");

    /// <summary>Pairs of photos whose largest faces are the same person (first, second).</summary>
    public static IEnumerable<(string First, string Second)> SamePersonPairs() =>
        Pairs().Where(pair => Label(pair.First).Person == Label(pair.Second).Person);

    /// <summary>Pairs of photos of two different people.</summary>
    public static IEnumerable<(string First, string Second)> DifferentPersonPairs() =>
        Pairs().Where(pair => Label(pair.First).Person != Label(pair.Second).Person);

    /// <summary>Width and height as a viewer shows the photo: EXIF orientations 5 to 8 turn it a quarter.</summary>
    public static Size UprightSize(byte[] photo)
    {
        var info = Image.Identify(photo);
        var turned = info.Metadata.ExifProfile?.GetValue(ExifTag.Orientation)?.Value >= ExifOrientationMode.LeftTop;
        return turned ? new Size(info.Height, info.Width) : new Size(info.Width, info.Height);
    }

    // Photos labelled with one person's name, each pair once; names only so xUnit can list the cases.
    private static IEnumerable<(string First, string Second)> Pairs()
    {
        var named = TestData.Faces.Images.Where(image => image.Person is not null).Select(image => Path.GetFileName(image.File)).ToArray();
        for (var i = 0; i < named.Length; i++)
        {
            for (var j = i + 1; j < named.Length; j++)
            {
                yield return (named[i], named[j]);
            }
        }
    }
}
