using System.Text.Json;
using FaceApi.Core.Imaging;
using FaceApi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Tests.Imaging;

/// <summary>
/// The resize against OpenCV 4.6's own output (../shared/testdata/resize, SOURCES.md "resize/"):
/// regions of a real photo shrunk and enlarged by <c>cv2.resize</c> with <c>INTER_LINEAR</c>.
/// </summary>
public sealed class OpenCvLinearResizeTests
{
    // The bar: OpenCV's fixed-point arithmetic may differ by one grey level at most, and
    // rarely (an antialiased bilinear is up to 95 levels and 2.6 on average away on the 3.7x shrink).
    private const int MaximumDifference = 1;
    private const double MaximumMeanDifference = 0.05;

    public static TheoryData<string> Cases() => TestData.IsAvailable && File.Exists(TestData.Path("resize/resize.json"))
        ? [.. ReadCases().Select(c => c.Source)]
        : ["(shared testdata absent)"];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_OpenCV_INTER_LINEAR_to_the_grey_level(string source)
    {
        TestData.Require("resize/resize.json");
        var resizeCase = ReadCases().Single(c => c.Source == source);
        using var input = Image.Load<Rgb24>(TestData.Require($"resize/{resizeCase.Source}"));
        using var expected = Image.Load<Rgb24>(TestData.Require($"resize/{resizeCase.Expected}"));
        Assert.Equal((resizeCase.Width, resizeCase.Height), (input.Width, input.Height));
        Assert.Equal((resizeCase.ScaledWidth, resizeCase.ScaledHeight), (expected.Width, expected.Height));

        var actual = new byte[resizeCase.ScaledWidth * resizeCase.ScaledHeight * 3];
        OpenCvLinearResize.Resize(input, resizeCase.ScaledWidth, resizeCase.ScaledHeight, actual);

        var reference = new byte[actual.Length];
        expected.CopyPixelDataTo(reference);
        var differences = reference.Zip(actual, (e, a) => Math.Abs(e - a)).ToArray();
        var maximum = differences.Max();
        var mean = differences.Average();
        TestContext.Current.TestOutputHelper!.WriteLine(
            $"{resizeCase.Source} {resizeCase.Width}x{resizeCase.Height} -> {resizeCase.ScaledWidth}x{resizeCase.ScaledHeight}: " +
            $"max {maximum} grey levels, mean {mean:F4}, {differences.Count(d => d > 0)} of {differences.Length} samples differ");
        Assert.InRange(maximum, 0, MaximumDifference);
        Assert.InRange(mean, 0, MaximumMeanDifference);
    }

    [Fact]
    public void Keeps_an_image_of_the_requested_size_unchanged()
    {
        using var image = new Image<Rgb24>(5, 3);
        image[4, 2] = new Rgb24(10, 20, 30);
        var pixels = new byte[5 * 3 * 3];

        OpenCvLinearResize.Resize(image, 5, 3, pixels);

        Assert.Equal(new byte[] { 10, 20, 30 }, pixels[^3..]);
        Assert.All(pixels[..^3], value => Assert.Equal(0, value));
    }

    private static ResizeCase[] ReadCases() =>
        JsonSerializer.Deserialize<ResizeManifest>(
            File.ReadAllText(TestData.Path("resize/resize.json")),
            new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!.Cases.ToArray();

    private sealed record ResizeManifest(IReadOnlyList<ResizeCase> Cases);

    private sealed record ResizeCase(string Source, int Width, int Height, string Expected, int ScaledWidth, int ScaledHeight);
}
