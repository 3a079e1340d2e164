using System.Numerics.Tensors;
using FaceApi.Testing;
using FaceApi.Tests.Hosting;
using SixLabors.ImageSharp;

namespace FaceApi.Tests.Endpoints;

public sealed class EmbedEndpointTests(FaceApiFactory service)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public static TheoryData<string> Photos() => [.. TestData.FacePhotoNames()];

    [Theory]
    [MemberData(nameof(Photos))]
    public async Task Finds_every_labelled_face_of_a_photo_sent_as_a_multipart_file(string file)
    {
        var photo = TestData.ReadFacePhoto(file);

        using var response = await service.Client.PostAsync("/embed", UploadContent.Multipart(("image", photo)), Cancellation);

        AssertDescribesLabelledPhoto(await WireJson.ReadOkAsync<EmbedResult>(response), file, photo);
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public async Task Finds_every_labelled_face_of_a_photo_sent_as_base64_json(string file)
    {
        var photo = TestData.ReadFacePhoto(file);

        using var response = await service.Client.PostAsync("/embed", UploadContent.Json(new { image = photo }), Cancellation);

        AssertDescribesLabelledPhoto(await WireJson.ReadOkAsync<EmbedResult>(response), file, photo);
    }

    [Theory]
    [MemberData(nameof(Photos))]
    public async Task Finds_every_labelled_face_of_a_photo_sent_as_the_raw_body(string file)
    {
        var photo = TestData.ReadFacePhoto(file);

        using var response = await service.Client.PostAsync("/embed", UploadContent.Raw(photo, UploadContent.ImageMediaType(file)), Cancellation);

        AssertDescribesLabelledPhoto(await WireJson.ReadOkAsync<EmbedResult>(response), file, photo);
    }

    [Fact]
    public async Task Takes_a_raw_body_sent_as_application_octet_stream()
    {
        const string file = "obama.jpg";
        var photo = TestData.ReadFacePhoto(file);

        using var response = await service.Client.PostAsync("/embed", UploadContent.Raw(photo, "application/octet-stream"), Cancellation);

        AssertDescribesLabelledPhoto(await WireJson.ReadOkAsync<EmbedResult>(response), file, photo);
    }

    [Fact]
    public async Task Reports_the_upright_size_and_upright_coordinates_of_a_photo_stored_sideways_with_exif_orientation()
    {
        const string file = "rose1.jpg";
        var upright = TestData.ReadFacePhoto(file);
        var sideways = TestImages.StoredSidewaysWithExifOrientation(upright);

        using var response = await service.Client.PostAsync("/embed", UploadContent.Multipart(("image", sideways)), Cancellation);

        var result = await WireJson.ReadOkAsync<EmbedResult>(response);
        var size = Image.Identify(upright);
        var stored = Image.Identify(sideways);
        Assert.Equal((size.Width, size.Height), (result.ImageWidth, result.ImageHeight));
        Assert.Equal((size.Height, size.Width), (stored.Width, stored.Height));
        AssertMatchesReference(result, LabelledPhotos.Label(file));
    }

    [Fact]
    public async Task Embeds_an_aligned_crop_whole_when_aligned_is_true()
    {
        var photo = TestData.ReadFacePhoto("rose1.jpg");
        using var detectedResponse = await service.Client.PostAsync("/embed", UploadContent.Multipart(("image", photo)), Cancellation);
        var detected = (await WireJson.ReadOkAsync<EmbedResult>(detectedResponse)).Faces[0];
        // MobileFaceNet's input is a 112x112 crop (SOURCES.md).
        const int cropSize = 112;
        var crop = AlignedCrops.Of(photo, detected.Landmarks!.Select(p => new PointF(p.X, p.Y)).ToArray(), cropSize);

        using var response = await service.Client.PostAsync("/embed?aligned=true", UploadContent.Multipart(("image", crop)), Cancellation);

        var result = await WireJson.ReadOkAsync<EmbedResult>(response);
        var face = Assert.Single(result.Faces);
        Assert.Equal(new WireBox(0, 0, cropSize, cropSize), face.Box);
        Assert.Null(face.Score);
        Assert.Null(face.Landmarks);
        AssertUnitLength(face.Embedding);
        // The same crop the pipeline aligned itself, losslessly: only resampling rounding differs.
        Assert.InRange(TensorPrimitives.Dot(face.Embedding, detected.Embedding), 0.99f, 1.0001f);
    }

    [Fact]
    public async Task Returns_at_most_maxFaces_faces_and_they_are_the_largest()
    {
        var photo = TestData.ReadFacePhoto("obama_family.jpg");
        using var allResponse = await service.Client.PostAsync("/embed", UploadContent.Multipart(("image", photo)), Cancellation);
        var all = await WireJson.ReadOkAsync<EmbedResult>(allResponse);

        using var response = await service.Client.PostAsync("/embed?maxFaces=2", UploadContent.Multipart(("image", photo)), Cancellation);

        var limited = await WireJson.ReadOkAsync<EmbedResult>(response);
        Assert.Equal(4, all.Faces.Length);
        Assert.Equal(all.Faces.Take(2).Select(f => f.Box), limited.Faces.Select(f => f.Box));
        Assert.Equal(all.Faces.Take(2).Select(f => f.Embedding), limited.Faces.Select(f => f.Embedding));
    }

    private static void AssertDescribesLabelledPhoto(EmbedResult result, string file, byte[] photo)
    {
        var label = LabelledPhotos.Label(file);
        Assert.Equal(FaceApiFactory.RecognitionModelName, result.Model);
        Assert.Equal(FaceApiFactory.Dimension, result.Dimension);
        var size = LabelledPhotos.UprightSize(photo);
        Assert.Equal((size.Width, size.Height), (result.ImageWidth, result.ImageHeight));
        Assert.Equal(result.Faces.OrderByDescending(f => f.Box.Width * f.Box.Height), result.Faces);
        Assert.All(result.Faces, face =>
        {
            Assert.Equal(FaceApiFactory.Dimension, face.Embedding.Length);
            AssertUnitLength(face.Embedding);
            Assert.True(face.Norm > 1, $"the raw norm {face.Norm} is reported, not the normalised 1");
            Assert.InRange(face.Score!.Value, 0.5f, 1f);
            Assert.Equal(5, face.Landmarks!.Length);
        });
        AssertMatchesReference(result, label);
    }

    // Every face, the group photo's 30 included, paired one to one with faces.json's by box overlap and
    // held to the same tolerance as the Core detector tests; a face only one side found fails the test
    // unless its score sits on the detector's threshold (ReferenceFaceMatch says why).
    private static void AssertMatchesReference(EmbedResult result, LabelledImage label)
    {
        var observed = result.Faces
            .Select(face => new ObservedFace(
                [face.Box.X, face.Box.Y, face.Box.X + face.Box.Width, face.Box.Y + face.Box.Height],
                face.Score!.Value,
                face.Landmarks!.Select(point => new[] { point.X, point.Y }).ToArray()))
            .ToArray();
        var match = ReferenceFaceMatch.Create(label.Reference, observed);
        TestContext.Current.TestOutputHelper?.WriteLine(match.Describe());
        match.AssertAgrees();
    }

    private static void AssertUnitLength(float[] embedding) => Assert.Equal(1f, TensorPrimitives.Norm(embedding), 4);
}
