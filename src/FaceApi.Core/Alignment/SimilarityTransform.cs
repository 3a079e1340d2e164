using SixLabors.ImageSharp;

namespace FaceApi.Core.Alignment;

/// <summary>
/// A 2-D similarity transform (rotation, uniform scale, translation):
/// <c>x' = a·x − b·y + tx</c>, <c>y' = b·x + a·y + ty</c>.
/// </summary>
/// <param name="A">scale·cos(θ).</param>
/// <param name="B">scale·sin(θ).</param>
/// <param name="TranslateX">tx.</param>
/// <param name="TranslateY">ty.</param>
public readonly record struct SimilarityTransform(double A, double B, double TranslateX, double TranslateY)
{
    /// <summary>Maps a point.</summary>
    public PointF Apply(PointF p) => new(
        (float)((A * p.X) - (B * p.Y) + TranslateX),
        (float)((B * p.X) + (A * p.Y) + TranslateY));

    /// <summary>
    /// The inverse transform (also a similarity), computed as OpenCV's <c>invertAffineTransform</c>
    /// (modules/imgproc/src/imgwarp.cpp) does for the 2x3 matrix [a, −b, tx; b, a, ty], operation for
    /// operation, so that a warp through it lands on the same source coordinates as <c>cv2.warpAffine</c>,
    /// which inverts its matrix that way.
    /// </summary>
    public SimilarityTransform Invert()
    {
        var determinant = (A * A) - ((-B) * B);
        if (determinant == 0)
        {
            throw new InvalidOperationException("A transform with zero scale has no inverse.");
        }

        var d = 1.0 / determinant;
        var a = A * d;
        var b = B * -d;
        var m1 = -B * -d;
        return new SimilarityTransform(a, b, (-a * TranslateX) - (m1 * TranslateY), (-b * TranslateX) - (a * TranslateY));
    }

    /// <summary>
    /// The least-squares similarity that maps <paramref name="source"/> onto <paramref name="destination"/>:
    /// Umeyama (1991), "Least-squares estimation of transformation parameters between two point
    /// patterns", as scikit-image's <c>SimilarityTransform.estimate</c> computes it (and InsightFace
    /// uses for alignment). In two dimensions a similarity is multiplication by one complex number
    /// c = a + ib after centring, and Umeyama's SVD solution reduces to the closed form
    /// c = Σ conj(s)·d / Σ |s|² over the centred points; it never yields a reflection.
    /// </summary>
    public static SimilarityTransform Estimate(ReadOnlySpan<PointF> source, ReadOnlySpan<PointF> destination)
    {
        if (source.Length != destination.Length || source.Length < 2)
        {
            throw new ArgumentException("Need at least two corresponding points in each set.");
        }

        double sourceMeanX = 0, sourceMeanY = 0, destinationMeanX = 0, destinationMeanY = 0;
        for (var i = 0; i < source.Length; i++)
        {
            sourceMeanX += source[i].X;
            sourceMeanY += source[i].Y;
            destinationMeanX += destination[i].X;
            destinationMeanY += destination[i].Y;
        }

        var n = source.Length;
        sourceMeanX /= n;
        sourceMeanY /= n;
        destinationMeanX /= n;
        destinationMeanY /= n;

        double dot = 0, cross = 0, sourceVariance = 0;
        for (var i = 0; i < n; i++)
        {
            var sx = source[i].X - sourceMeanX;
            var sy = source[i].Y - sourceMeanY;
            var dx = destination[i].X - destinationMeanX;
            var dy = destination[i].Y - destinationMeanY;
            dot += (sx * dx) + (sy * dy);
            cross += (sx * dy) - (sy * dx);
            sourceVariance += (sx * sx) + (sy * sy);
        }

        if (sourceVariance == 0)
        {
            throw new ArgumentException("The source points all coincide.", nameof(source));
        }

        var a = dot / sourceVariance;
        var b = cross / sourceVariance;
        return new SimilarityTransform(
            a,
            b,
            destinationMeanX - ((a * sourceMeanX) - (b * sourceMeanY)),
            destinationMeanY - ((b * sourceMeanX) + (a * sourceMeanY)));
    }
}
