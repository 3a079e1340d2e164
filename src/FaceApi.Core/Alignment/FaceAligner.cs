using FaceApi.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Alignment;

/// <summary>
/// Cuts recognition crops out of photos: a similarity warp that puts the five detected landmarks
/// on the ArcFace template, or a plain resize for callers that send an already aligned crop.
/// </summary>
public static class FaceAligner
{
    /// <summary>
    /// Warps <paramref name="image"/> so that <paramref name="landmarks"/> land on the ArcFace template
    /// of a <paramref name="size"/>-pixel crop: InsightFace's <c>norm_crop</c>, i.e. a similarity
    /// estimated as scikit-image does and <c>cv2.warpAffine</c> with bilinear sampling and a black border.
    /// </summary>
    public static AlignedFace Align(Image<Rgb24> image, ReadOnlySpan<PointF> landmarks, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (landmarks.Length != 5)
        {
            throw new ArgumentException("Alignment needs exactly five landmarks.", nameof(landmarks));
        }

        var toCrop = SimilarityTransform.Estimate(landmarks, ArcFaceTemplate.ForSize(size));
        var pixels = new byte[size * size * 3];
        OpenCvAffineWarp.Warp(image, toCrop.Invert(), size, pixels);
        return new AlignedFace(size, pixels);
    }

    /// <summary>
    /// Treats the whole image as an aligned crop and resizes it to <paramref name="size"/> pixels, as
    /// InsightFace's <c>get_feat</c> does through <c>cv2.dnn.blobFromImages</c> (OpenCV's bilinear
    /// <c>resize</c>, aspect ratio not kept).
    /// </summary>
    public static AlignedFace FromCrop(Image<Rgb24> crop, int size)
    {
        ArgumentNullException.ThrowIfNull(crop);
        var pixels = new byte[size * size * 3];
        OpenCvLinearResize.Resize(crop, size, size, pixels);
        return new AlignedFace(size, pixels);
    }
}
