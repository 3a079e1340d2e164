using FaceApi.Core.Detection;
using FaceApi.Core.Imaging;
using FaceApi.Testing;

namespace FaceApi.Core.Tests.Detection;

public sealed class ScrfdDetectorTests(ModelFixture models) : IClassFixture<ModelFixture>
{
    private static readonly ImageDecoder Decoder = new(new ImageDecodingOptions());

    public static TheoryData<string> Photos() => [.. TestData.FacePhotoNames()];

    [Theory]
    [MemberData(nameof(Photos))]
    public async Task Finds_the_reference_faces_with_boxes_and_landmarks_within_tolerance(string file)
    {
        TestData.RequireAvailable();
        var expected = TestData.Faces.Images.Single(i => i.File == $"faces/{file}");
        using var image = Decoder.Decode(TestData.ReadFacePhoto(file));

        var faces = models.Detector!.Detect(image);

        var match = ReferenceFaceMatch.Create(expected.Reference, faces.Select(ToObserved).ToArray());
        TestContext.Current.TestOutputHelper!.WriteLine(match.Describe());
        match.AssertAgrees();
    }

    private static ObservedFace ToObserved(DetectedFace face) => new(
        [face.Box.Left, face.Box.Top, face.Box.Right, face.Box.Bottom],
        face.Score,
        face.Landmarks.ToArray().Select(p => new[] { p.X, p.Y }).ToArray());

    [Fact]
    public async Task Faces_come_largest_first()
    {
        TestData.RequireAvailable();
        using var image = Decoder.Decode(TestData.ReadFacePhoto("obama_family.jpg"));

        var faces = models.Detector!.Detect(image);

        Assert.Equal(faces.OrderByDescending(f => f.Box.Area).ToList(), faces);
    }

    [Fact]
    public async Task A_photo_without_a_face_yields_no_detection()
    {
        TestData.RequireAvailable();
        // A uniform grey canvas: nothing in it resembles a face.
        using var blank = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(640, 480, new SixLabors.ImageSharp.PixelFormats.Rgb24(128, 128, 128));

        var faces = models.Detector!.Detect(blank);

        Assert.Empty(faces);
    }
}
