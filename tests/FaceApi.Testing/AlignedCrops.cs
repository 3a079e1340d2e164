using FaceApi.Core.Alignment;
using FaceApi.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Testing;

/// <summary>
/// Aligned face crops of the labelled photos, for requests with <c>aligned=true</c>: they reach the
/// recognition model without detection, so load tests measure the batcher and the model alone.
/// </summary>
public static class AlignedCrops
{
    /// <summary>ArcFace's crop side (InsightFace's <c>norm_crop</c> default), which every supported recogniser takes.</summary>
    public const int ArcFaceCropSize = 112;

    /// <summary>
    /// PNG-encoded crops of the largest face of every single-person photo in faces.json, aligned on its
    /// reference landmarks, in file order.
    /// </summary>
    public static IReadOnlyList<byte[]> FromReferenceLandmarks()
    {
        var decoder = new ImageDecoder(new ImageDecodingOptions());
        var crops = new List<byte[]>();
        foreach (var photo in TestData.Faces.Images.Where(image => image.Person is not null && image.Reference.Count > 0))
        {
            using var image = decoder.Decode(File.ReadAllBytes(TestData.Require(photo.File)));
            var landmarks = photo.Reference[0].Landmarks.Select(point => new PointF(point[0], point[1])).ToArray();
            var crop = FaceAligner.Align(image, landmarks, ArcFaceCropSize);
            using var cropImage = Image.LoadPixelData<Rgb24>(crop.RgbPixels.Span, crop.Size, crop.Size);
            using var png = new MemoryStream();
            cropImage.SaveAsPng(png);
            crops.Add(png.ToArray());
        }

        return crops;
    }
}
