using System.Net;
using FaceApi.Testing;
using FaceApi.Tests.Endpoints;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// The two refusals the batch queue makes over HTTP besides queue_full: an image with more faces
/// than the queue can ever hold (422 too_many_faces, which waiting would not cure) and faces the
/// model did not reach within the request timeout (503 timeout).
/// </summary>
public sealed class CapacityRefusalTests
{
    // obama_family.jpg shows four faces (faces.json).
    private const string FourFaces = "obama_family.jpg";

    [Fact]
    public async Task An_image_with_more_faces_than_the_queue_holds_is_too_many_faces_and_max_faces_lets_it_through()
    {
        Assert.Equal(4, LabelledPhotos.Label(FourFaces).Faces);
        await using var factory = new HardenedServiceFactory(new Dictionary<string, string?> { ["FaceApi:Batching:QueueCapacity"] = "3" });
        var client = await factory.CreateReadyClientAsync();
        var photo = TestData.ReadFacePhoto(FourFaces);

        using var refused = await client.EmbedAsync(Requests.Multipart(photo));
        using var limited = await client.EmbedAsync(Requests.Multipart(photo), "?maxFaces=3");

        var problem = await refused.IsProblemAsync(HttpStatusCode.UnprocessableEntity, "too_many_faces");
        Assert.Null(refused.Headers.RetryAfter);
        Assert.Contains("3", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var embedded = await WireJson.ReadOkAsync<EmbedResult>(limited);
        Assert.Equal(3, embedded.Faces.Length);
    }

    [Fact]
    public async Task Faces_the_model_does_not_reach_within_the_request_timeout_are_a_503_timeout()
    {
        // One millisecond: a face cannot be computed that fast by the slow load-test recogniser
        // (about 60 ms a face here), so every request times out, whatever the machine's load.
        await using var factory = new HardenedServiceFactory(new Dictionary<string, string?>(LoadTestModel.Settings(queueCapacity: 16))
        {
            ["FaceApi:Batching:RequestTimeout"] = "00:00:00.001",
        });
        var client = await factory.CreateReadyClientAsync();
        var crop = AlignedCrops.OfReferenceFace("obama.jpg");

        using var response = await client.EmbedAsync(Requests.Multipart(crop, fileName: "crop.png"), "?aligned=true");

        await response.IsProblemAsync(HttpStatusCode.ServiceUnavailable, "timeout");
        using var live = await client.GetAsync("/health/live", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }
}
