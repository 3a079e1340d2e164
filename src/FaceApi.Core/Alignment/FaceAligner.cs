using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceApi.Core.Alignment;

/// <summary>
/// Cuts recognition crops out of photos: a similarity warp that puts the five detected landmarks
/// on the ArcFace template, or a plain resize for callers that send an already aligned crop.
/// </summary>
public static class FaceAligner
{
    /// <summary>
    /// Warps <paramref name="image"/> so that <paramref name="landmarks"/> land on the ArcFace template
    /// of a <paramref name="size"/>-pixel crop. Sampling matches <c>cv2.warpAffine</c> with bilinear
    /// interpolation and a constant zero border, as InsightFace's <c>norm_crop</c> uses.
    /// </summary>
    public static AlignedFace Align(Image<Rgb24> image, ReadOnlySpan<PointF> landmarks, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (landmarks.Length != 5)
        {
            throw new ArgumentException("Alignment needs exactly five landmarks.", nameof(landmarks));
        }

        var toCrop = SimilarityTransform.Estimate(landmarks, ArcFaceTemplate.ForSize(size));
        return new AlignedFace(size, Warp(image, toCrop.Invert(), size));
    }

    /// <summary>Treats the whole image as an aligned crop and resizes it to <paramref name="size"/> pixels.</summary>
    public static AlignedFace FromCrop(Image<Rgb24> crop, int size)
    {
        ArgumentNullException.ThrowIfNull(crop);
        using var resized = crop.Width == size && crop.Height == size
            ? crop.Clone()
            : crop.Clone(c => c.Resize(new ResizeOptions { Size = new Size(size, size), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Triangle }));
        var pixels = new byte[size * size * 3];
        resized.CopyPixelDataTo(pixels);
        return new AlignedFace(size, pixels);
    }

    /// <summary>Inverse-maps every crop pixel centre into the source and samples bilinearly.</summary>
    internal static byte[] Warp(Image<Rgb24> image, SimilarityTransform cropToImage, int size)
    {
        var pixels = new byte[size * size * 3];
        var width = image.Width;
        var height = image.Height;
        image.ProcessPixelRows(accessor =>
        {
            for (var v = 0; v < size; v++)
            {
                for (var u = 0; u < size; u++)
                {
                    var x = (cropToImage.A * u) - (cropToImage.B * v) + cropToImage.TranslateX;
                    var y = (cropToImage.B * u) + (cropToImage.A * v) + cropToImage.TranslateY;
                    var x0 = (int)Math.Floor(x);
                    var y0 = (int)Math.Floor(y);
                    var fx = (float)(x - x0);
                    var fy = (float)(y - y0);
                    float r = 0, g = 0, b = 0;
                    for (var dy = 0; dy <= 1; dy++)
                    {
                        var sy = y0 + dy;
                        if ((uint)sy >= (uint)height)
                        {
                            continue; // zero border
                        }

                        var row = accessor.GetRowSpan(sy);
                        var wy = dy == 0 ? 1 - fy : fy;
                        for (var dx = 0; dx <= 1; dx++)
                        {
                            var sx = x0 + dx;
                            if ((uint)sx >= (uint)width)
                            {
                                continue;
                            }

                            var w = wy * (dx == 0 ? 1 - fx : fx);
                            var p = row[sx];
                            r += w * p.R;
                            g += w * p.G;
                            b += w * p.B;
                        }
                    }

                    var o = ((v * size) + u) * 3;
                    pixels[o] = ToByte(r);
                    pixels[o + 1] = ToByte(g);
                    pixels[o + 2] = ToByte(b);
                }
            }
        });
        return pixels;
    }

    private static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round(value), 0f, 255f);
}
