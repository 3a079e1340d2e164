using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Tests.Imaging;

/// <summary>Compares decoded images channel by channel.</summary>
internal static class PixelDifference
{
    /// <summary>The mean absolute difference over all R, G and B samples, in 0-255 units; the sizes must match.</summary>
    public static double MeanAbsolute(Image<Rgb24> expected, Image<Rgb24> actual)
    {
        Assert.Equal(expected.Size(), actual.Size());
        long sum = 0;
        expected.ProcessPixelRows(actual, (expectedRows, actualRows) =>
        {
            for (var y = 0; y < expectedRows.Height; y++)
            {
                var expectedRow = expectedRows.GetRowSpan(y);
                var actualRow = actualRows.GetRowSpan(y);
                for (var x = 0; x < expectedRow.Length; x++)
                {
                    sum += Math.Abs(expectedRow[x].R - actualRow[x].R)
                        + Math.Abs(expectedRow[x].G - actualRow[x].G)
                        + Math.Abs(expectedRow[x].B - actualRow[x].B);
                }
            }
        });

        return sum / (3.0 * expected.Width * expected.Height);
    }
}
