using FaceApi.Core.Alignment;
using FaceApi.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Testing;

/// <summary>
/// Faces cut out with the service's own decoder and aligner (five landmarks onto the ArcFace
/// template), encoded as a client that aligns itself sends them to <c>/embed?aligned=true</c>: they
/// reach the recognition model without detection. The one crop helper of the tests, the benchmark
/// and the soak.
/// </summary>
public static class AlignedCrops
{
    /// <summary>ArcFace's crop side (InsightFace's <c>norm_crop</c> default), which every supported recogniser takes.</summary>
    public const int ArcFaceCropSize = 112;

    private static readonly ImageDecoder Decoder = new(new ImageDecodingOptions());

    /// <summary>
    /// The face at <paramref name="landmarks"/> of <paramref name="photo"/> (as uploaded; the service's
    /// decoder applies its EXIF orientation), aligned into a <paramref name="size"/>-pixel square and
    /// encoded with <paramref name="encoder"/> (lossless PNG when null).
    /// </summary>
    public static byte[] Of(byte[] photo, IReadOnlyList<PointF> landmarks, int size = ArcFaceCropSize, IImageEncoder? encoder = null)
    {
        using var image = Decoder.Decode(photo);
        return Encode(image, landmarks, size, encoder);
    }

    /// <summary>The face of the reference detection <paramref name="faceIndex"/> (faces.json, largest first) of a photo in faces/.</summary>
    public static byte[] OfReferenceFace(string photoFileName, int faceIndex = 0, int size = ArcFaceCropSize, IImageEncoder? encoder = null)
    {
        var photo = TestData.Faces.Images.Single(image => image.File == $"faces/{photoFileName}");
        return Of(TestData.ReadFacePhoto(photoFileName), LandmarksOf(photo.Reference[faceIndex]), size, encoder);
    }

    /// <summary>
    /// PNG crops of the largest face of every single-person photo in faces.json, aligned on its
    /// reference landmarks, in file order.
    /// </summary>
    public static IReadOnlyList<byte[]> FromReferenceLandmarks() =>
        TestData.Faces.Images
            .Where(image => image.Person is not null && image.Reference.Count > 0)
            .Select(image => OfReferenceFace(Path.GetFileName(image.File)))
            .ToArray();

    /// <summary>Every reference face of every photo in faces.json, named "photo-index", encoded with <paramref name="encoder"/>.</summary>
    public static IReadOnlyList<(string Name, byte[] Crop)> OfEveryReferenceFace(int size, IImageEncoder encoder)
    {
        var crops = new List<(string, byte[])>();
        foreach (var photo in TestData.Faces.Images)
        {
            using var image = Decoder.Decode(TestData.ReadFacePhoto(Path.GetFileName(photo.File)));
            for (var i = 0; i < photo.Reference.Count; i++)
            {
                crops.Add(($"{Path.GetFileNameWithoutExtension(photo.File)}-{i}", Encode(image, LandmarksOf(photo.Reference[i]), size, encoder)));
            }
        }

        return crops;
    }

    private static PointF[] LandmarksOf(ReferenceFace face) => face.Landmarks.Select(point => new PointF(point[0], point[1])).ToArray();

    private static byte[] Encode(Image<Rgb24> image, IReadOnlyList<PointF> landmarks, int size, IImageEncoder? encoder)
    {
        var crop = FaceAligner.Align(image, landmarks.ToArray(), size);
        using var cropImage = Image.LoadPixelData<Rgb24>(crop.RgbPixels.Span, crop.Size, crop.Size);
        using var encoded = new MemoryStream();
        cropImage.Save(encoded, encoder ?? new PngEncoder());
        return encoded.ToArray();
    }
}
