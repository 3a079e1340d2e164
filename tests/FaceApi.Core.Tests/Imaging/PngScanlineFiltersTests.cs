using FaceApi.Core.Imaging;
using static FaceApi.Core.Imaging.PngScanlineFilters;

namespace FaceApi.Core.Tests.Imaging;

/// <summary>
/// Filter reversal against the filters written out as ISO/IEC 15948 defines them (9.2-9.4): random images made of
/// whole pixels of 1 to 4 bytes, several widths (1 pixel and widths that are not a multiple of any vector width),
/// filtered by the reference and restored by the code under test.
/// </summary>
public sealed class PngScanlineFiltersTests
{
    private const int Height = 8;

    private static readonly int[] Widths = [1, 2, 3, 5, 7, 8, 9, 16, 17, 112, 113];

    private static readonly Dictionary<string, byte[]> Alphabets = new()
    {
        ["any byte"] = [.. Enumerable.Range(0, 256).Select(value => (byte)value)],
        // Ties between different candidates, where the order of preference (a, then b) decides, need one of them
        // twice as far from c as the other, on the other side (pa = pc when a - c = -2(b - c); pb = pc when
        // b - c = -2(a - c)): common among 4 evenly spaced values, impossible among 3 or 2.
        ["0 to 3"] = [0, 1, 2, 3],
        // Also the extremes of p = a + b - c, -255 and 510, which 8-bit arithmetic would wrap.
        ["0, 85, 170, 255"] = [0, 85, 170, 255],
    };

    private delegate void Reversal(Span<byte> row, ReadOnlySpan<byte> above, int bytesPerPixel);

    private static readonly Dictionary<string, (byte Filter, Reversal Reverse, int[] PixelSizes)> Paths = new()
    {
        ["Paeth, pixel by pixel"] = (Paeth, PngPaethFilter.ReversePixelByPixel, [3, 4]),
        ["Paeth, byte by byte"] = (Paeth, PngPaethFilter.ReverseByteByByte, [1, 2, 3, 4]),
        ["Average, pixel by pixel"] = (Average, PngAverageFilter.ReversePixelByPixel, [3, 4]),
        ["Average, byte by byte"] = (Average, PngAverageFilter.ReverseByteByByte, [1, 2, 3, 4]),
    };

    public static TheoryData<int, string> PixelSizesAndAlphabets()
    {
        var data = new TheoryData<int, string>();
        foreach (var bytesPerPixel in new[] { 1, 2, 3, 4 })
        {
            foreach (var alphabet in Alphabets.Keys)
            {
                data.Add(bytesPerPixel, alphabet);
            }
        }

        return data;
    }

    public static TheoryData<string, int, string> PathsPixelSizesAndAlphabets()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var (path, (_, _, pixelSizes)) in Paths)
        {
            foreach (var bytesPerPixel in pixelSizes)
            {
                foreach (var alphabet in Alphabets.Keys)
                {
                    data.Add(path, bytesPerPixel, alphabet);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PixelSizesAndAlphabets))]
    public void Restores_images_whose_rows_use_every_filter_type(int bytesPerPixel, string alphabet)
    {
        var random = new Random(15948);
        foreach (var width in Widths)
        {
            var image = RandomImage(random, Alphabets[alphabet], width * bytesPerPixel);
            var stride = 1 + (width * bytesPerPixel);
            var scanlines = new byte[(1 + Height) * stride];
            for (var y = 0; y < Height; y++)
            {
                var filter = (byte)random.Next(None, Paeth + 1);
                scanlines[(y + 1) * stride] = filter;
                Filtered(image, y, filter, bytesPerPixel).CopyTo(scanlines, ((y + 1) * stride) + 1);
            }

            Assert.True(PngScanlineFilters.TryReverse(scanlines, stride, bytesPerPixel));

            for (var y = 0; y < Height; y++)
            {
                Assert.True(image[y].AsSpan().SequenceEqual(scanlines.AsSpan(((y + 1) * stride) + 1, stride - 1)), $"{width} px wide, row {y}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PathsPixelSizesAndAlphabets))]
    public void Restores_rows_as_the_spec_defines(string path, int bytesPerPixel, string alphabet)
    {
        var (filter, reverse, _) = Paths[path];
        var random = new Random(15948);
        var tieBreaks = 0;
        foreach (var width in Widths)
        {
            var image = RandomImage(random, Alphabets[alphabet], width * bytesPerPixel);
            for (var y = 0; y < Height; y++)
            {
                var row = Filtered(image, y, filter, bytesPerPixel);
                reverse(row, Above(image, y), bytesPerPixel);

                Assert.True(image[y].AsSpan().SequenceEqual(row), $"{width} px wide, row {y}");
                tieBreaks += PaethTieBreaks(image, y, bytesPerPixel);
            }
        }

        // Else the order of preference in ties would go untested.
        Assert.True(filter != Paeth || tieBreaks > 0, "no Paeth prediction decided by the order of preference");
    }

    private static byte[][] RandomImage(Random random, byte[] alphabet, int rowLength) =>
        [.. Enumerable.Range(0, Height).Select(_ => random.GetItems(alphabet, rowLength))];

    // The row above row y: zeros above the first (9.2).
    private static byte[] Above(byte[][] image, int y) => y == 0 ? new byte[image[0].Length] : image[y - 1];

    // Row y of the image filtered with filter type filter, byte by byte as 9.2-9.4 define it.
    private static byte[] Filtered(byte[][] image, int y, byte filter, int bytesPerPixel)
    {
        var filtered = new byte[image[y].Length];
        for (var i = 0; i < filtered.Length; i++)
        {
            var (a, b, c) = Neighbours(image, y, i, bytesPerPixel);
            var prediction = filter switch
            {
                None => 0,
                Sub => a,
                Up => b,
                Average => (a + b) / 2,
                Paeth => PaethPredictor(a, b, c),
                _ => throw new ArgumentOutOfRangeException(nameof(filter)),
            };
            filtered[i] = (byte)(image[y][i] - prediction);
        }

        return filtered;
    }

    // The bytes left of, above and above-left of byte i of row y, 0 outside the image (9.2).
    private static (int A, int B, int C) Neighbours(byte[][] image, int y, int i, int bytesPerPixel)
    {
        var above = Above(image, y);
        return i >= bytesPerPixel
            ? (image[y][i - bytesPerPixel], above[i], above[i - bytesPerPixel])
            : (0, above[i], 0);
    }

    // ISO/IEC 15948, 9.4, as its pseudo-code writes it.
    private static int PaethPredictor(int a, int b, int c)
    {
        var p = a + b - c;
        var pa = Math.Abs(p - a);
        var pb = Math.Abs(p - b);
        var pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc)
        {
            return a;
        }

        if (pb <= pc)
        {
            return b;
        }

        return c;
    }

    // How many of row y's Paeth predictions have two different candidates at the nearest distance.
    private static int PaethTieBreaks(byte[][] image, int y, int bytesPerPixel)
    {
        var count = 0;
        for (var i = 0; i < image[y].Length; i++)
        {
            var (a, b, c) = Neighbours(image, y, i, bytesPerPixel);
            var p = a + b - c;
            int[] candidates = [a, b, c];
            var nearest = candidates.Min(candidate => Math.Abs(p - candidate));
            count += candidates.Where(candidate => Math.Abs(p - candidate) == nearest).Distinct().Count() > 1 ? 1 : 0;
        }

        return count;
    }
}
