using SixLabors.ImageSharp;

namespace FaceApi.Core.Alignment;

/// <summary>
/// Where ArcFace models expect the five landmarks (left eye, right eye, nose tip, left and right
/// mouth corners) in their input crop.
/// </summary>
public static class ArcFaceTemplate
{
    // InsightFace python-package/insightface/utils/face_align.py, `arcface_dst`: the landmark
    // positions of the 112x112 crops that every ArcFace model of the model zoo was trained on.
    private static readonly PointF[] Reference112 =
    [
        new(38.2946f, 51.6963f),
        new(73.5318f, 51.5014f),
        new(56.0252f, 71.7366f),
        new(41.5493f, 92.3655f),
        new(70.7299f, 92.2041f),
    ];

    /// <summary>
    /// The template for a square crop of <paramref name="size"/> pixels, scaled as InsightFace's
    /// <c>estimate_norm</c> does: multiples of 112 scale the template; multiples of 128 scale it
    /// and shift it right by 8 pixels per 128 (the 128-pixel crops of older models).
    /// </summary>
    public static PointF[] ForSize(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        float ratio;
        float shiftX;
        if (size % 112 == 0)
        {
            ratio = size / 112f;
            shiftX = 0f;
        }
        else if (size % 128 == 0)
        {
            ratio = size / 128f;
            shiftX = 8f * ratio;
        }
        else
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "ArcFace crops are multiples of 112 or 128 pixels.");
        }

        return Array.ConvertAll(Reference112, p => new PointF((p.X * ratio) + shiftX, p.Y * ratio));
    }
}
