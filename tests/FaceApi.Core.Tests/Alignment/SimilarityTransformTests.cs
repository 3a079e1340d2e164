using FaceApi.Core.Alignment;
using SixLabors.ImageSharp;

namespace FaceApi.Core.Tests.Alignment;

public sealed class SimilarityTransformTests
{
    [Fact]
    public void Estimate_recovers_a_known_rotation_scale_and_translation_exactly()
    {
        var truth = new SimilarityTransform(A: 1.7 * Math.Cos(0.3), B: 1.7 * Math.Sin(0.3), TranslateX: -12.5, TranslateY: 40.25);
        var source = ArcFaceTemplate.ForSize(112);
        var destination = source.Select(truth.Apply).ToArray();

        var estimated = SimilarityTransform.Estimate(source, destination);

        Assert.Equal(truth.A, estimated.A, 5);
        Assert.Equal(truth.B, estimated.B, 5);
        Assert.Equal(truth.TranslateX, estimated.TranslateX, 3);
        Assert.Equal(truth.TranslateY, estimated.TranslateY, 3);
    }

    [Fact]
    public void Estimate_is_the_least_squares_fit_for_real_landmarks()
    {
        // obama.jpg's reference landmarks from faces.json: no similarity maps them exactly.
        PointF[] source = [new(442.7f, 213.89f), new(548.96f, 210.49f), new(499.49f, 276.87f), new(441.28f, 320.36f), new(552.17f, 316.68f)];
        var destination = ArcFaceTemplate.ForSize(112);

        var estimated = SimilarityTransform.Estimate(source, destination);

        // Least squares: the residual of the fit is smaller than for any nearby perturbation.
        double Residual(SimilarityTransform t) => source.Select((p, i) =>
        {
            var q = t.Apply(p);
            return Math.Pow(q.X - destination[i].X, 2) + Math.Pow(q.Y - destination[i].Y, 2);
        }).Sum();

        var best = Residual(estimated);
        foreach (var delta in new[] { 1e-3, -1e-3 })
        {
            Assert.True(best <= Residual(estimated with { A = estimated.A + delta }));
            Assert.True(best <= Residual(estimated with { B = estimated.B + delta }));
            Assert.True(best <= Residual(estimated with { TranslateX = estimated.TranslateX + (delta * 100) }));
            Assert.True(best <= Residual(estimated with { TranslateY = estimated.TranslateY + (delta * 100) }));
        }
    }

    [Fact]
    public void Invert_undoes_the_transform()
    {
        var transform = new SimilarityTransform(0.8, -0.4, 10, -3);
        var point = new PointF(31.5f, -7.25f);

        var back = transform.Invert().Apply(transform.Apply(point));

        Assert.Equal(point.X, back.X, 3);
        Assert.Equal(point.Y, back.Y, 3);
    }

    [Fact]
    public void Template_for_128_pixel_crops_is_scaled_and_shifted_like_insightface()
    {
        var template = ArcFaceTemplate.ForSize(128);

        // estimate_norm: ratio = 128/128 = 1, diff_x = 8.
        Assert.Equal(38.2946f + 8f, template[0].X, 4);
        Assert.Equal(51.6963f, template[0].Y, 4);
    }
}
