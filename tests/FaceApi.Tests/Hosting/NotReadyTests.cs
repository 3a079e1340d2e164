using System.Net;
using System.Text.Json;
using FaceApi.Tests.Endpoints;

namespace FaceApi.Tests.Hosting;

/// <summary>Offline without models: the process lives, says why it is not ready, and refuses work with not_ready.</summary>
public sealed class NotReadyTests(MissingModelsFaceApiFactory service) : IClassFixture<MissingModelsFaceApiFactory>
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Readiness_is_503_and_names_the_missing_model_while_liveness_stays_200()
    {
        using var ready = await service.Client.GetAsync("/health/ready", Cancellation);
        using var live = await service.Client.GetAsync("/health/live", Cancellation);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var readiness = JsonDocument.Parse(await ready.Content.ReadAsStringAsync(Cancellation)).RootElement;
        Assert.Equal("failed", readiness.GetProperty("status").GetString());
        // The default models (FaceApi:Recognition/Detection ModelPath) are what is missing.
        Assert.Contains("w600k_r50.onnx", readiness.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Embed_answers_503_not_ready()
    {
        using var response = await service.Client.PostAsync("/embed", UploadContent.Multipart(("image", TestImages.WithoutFace())), Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "not_ready");
    }

    [Fact]
    public async Task Verify_answers_503_not_ready()
    {
        using var response = await service.Client.PostAsync(
            "/verify",
            UploadContent.Multipart(("image1", TestImages.WithoutFace()), ("image2", TestImages.WithoutFace())),
            Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "not_ready");
    }
}
