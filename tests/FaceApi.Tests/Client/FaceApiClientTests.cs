using FaceApi.Client;
using FaceApi.Contracts;
using FaceApi.Testing;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.Client;

/// <summary>The .NET client against the real service on a loopback port, with the shared test models.</summary>
public sealed class FaceApiClientTests(KestrelFaceApiFactory service) : IDisposable
{
    private readonly ClientServices _services = new(service.BaseAddress);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private FaceApiClient Client
    {
        get
        {
            _ = service.Client; // skips the test when the shared test data is absent
            return _services.Client;
        }
    }

    [Fact]
    public async Task Embeds_a_photo_from_a_stream_and_gets_the_services_records()
    {
        await using var photo = File.OpenRead(TestData.Require("faces/rose1.jpg"));

        var result = await Client.EmbedAsync(photo, cancellationToken: Cancellation);

        Assert.Equal(FaceApiFactory.RecognitionModelName, result.Model);
        Assert.Equal(FaceApiFactory.Dimension, result.Dimension);
        var face = Assert.Single(result.Faces);
        Assert.Equal(FaceApiFactory.Dimension, face.Embedding.Length);
        Assert.Equal(1.0, Math.Sqrt(face.Embedding.Sum(value => (double)value * value)), 3);
        Assert.Equal(5, face.Landmarks!.Count);
        Assert.InRange(face.Score!.Value, 0.5f, 1f);
        Assert.True(face.Box.Width > 0 && face.Box.Height > 0);
        Assert.True(photo.CanRead, "the caller's stream stays open");
    }

    [Fact]
    public async Task Embeds_bytes_with_max_faces_and_an_aligned_crop()
    {
        var family = TestData.ReadFacePhoto("obama_family.jpg");

        var two = await Client.EmbedAsync(family, maxFaces: 2, cancellationToken: Cancellation);
        var aligned = await Client.EmbedAsync(AlignedCrops.FromReferenceLandmarks()[0], aligned: true, cancellationToken: Cancellation);

        Assert.Equal(2, two.Faces.Count);
        Assert.True(two.Faces[0].Box.Width * two.Faces[0].Box.Height >= two.Faces[1].Box.Width * two.Faces[1].Box.Height, "largest first");
        var crop = Assert.Single(aligned.Faces);
        Assert.Null(crop.Score);
        Assert.Null(crop.Landmarks);
    }

    [Fact]
    public async Task Verifies_two_photos_of_one_person_as_a_match_and_of_two_people_as_not()
    {
        var john1 = TestData.ReadFacePhoto("john1.jpeg");
        var john2 = TestData.ReadFacePhoto("john2.jpeg");
        var rose1 = TestData.ReadFacePhoto("rose1.jpg");

        var same = await Client.VerifyAsync(john1, john2, cancellationToken: Cancellation);
        var different = await Client.VerifyAsync(rose1, john2, cancellationToken: Cancellation);

        Assert.True(same.Match, $"same person: similarity {same.Similarity}");
        Assert.False(different.Match, $"different people: similarity {different.Similarity}");
        Assert.Equal(FaceApiFactory.Threshold, same.Threshold);
        Assert.Equal(1, same.Face1!.FacesFound);
        Assert.NotNull(same.Face2);
    }

    [Fact]
    public async Task Verifies_a_photo_against_a_stored_embedding_and_two_stored_embeddings_alike()
    {
        var enrolled = (await Client.EmbedAsync(TestData.ReadFacePhoto("john1.jpeg"), cancellationToken: Cancellation)).Faces[0].Embedding;
        await using var probe = File.OpenRead(TestData.Require("faces/john2.jpeg"));
        var probeEmbedding = (await Client.EmbedAsync(TestData.ReadFacePhoto("john2.jpeg"), cancellationToken: Cancellation)).Faces[0].Embedding;

        var photoAgainstStored = await Client.VerifyAsync(probe, enrolled, cancellationToken: Cancellation);
        var storedAgainstStored = await Client.VerifyAsync(probeEmbedding, enrolled, cancellationToken: Cancellation);

        Assert.True(photoAgainstStored.Match, $"similarity {photoAgainstStored.Similarity}");
        Assert.NotNull(photoAgainstStored.Face1);
        Assert.Null(photoAgainstStored.Face2);
        Assert.Null(storedAgainstStored.Face1);
        Assert.Null(storedAgainstStored.Face2);
        // The same two faces, whether sent as a photo or as its embedding.
        Assert.Equal(photoAgainstStored.Similarity, storedAgainstStored.Similarity, 4);
    }

    [Fact]
    public async Task Sends_the_threshold_it_is_given()
    {
        var john1 = TestData.ReadFacePhoto("john1.jpeg");
        var john2 = TestData.ReadFacePhoto("john2.jpeg");

        var strict = await Client.VerifyAsync(john1, john2, threshold: 0.999f, cancellationToken: Cancellation);

        Assert.Equal(0.999f, strict.Threshold);
        Assert.False(strict.Match, $"similarity {strict.Similarity} is under 0.999");
    }

    [Fact]
    public async Task Reports_liveness_and_readiness_with_the_models_in_use()
    {
        var live = await Client.IsLiveAsync(Cancellation);
        var readiness = await Client.GetReadinessAsync(Cancellation);

        Assert.True(live);
        Assert.Equal(ReadinessStatus.Ready, readiness.Status);
        Assert.Equal("mobilefacenet.onnx", readiness.Recognition!.File);
        Assert.Equal("scrfd_2.5g_bnkps.onnx", readiness.Detection!.File);
    }

    public void Dispose() => _services.Dispose();
}
