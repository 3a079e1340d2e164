using System.Net;
using FaceApi.Client;
using FaceApi.Contracts;
using FaceApi.Tests.Endpoints;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.Client;

/// <summary>A service without its models: not_ready is retried a bounded number of times, then surfaces.</summary>
public sealed class FaceApiClientNotReadyTests(MissingModelsFaceApiFactory service) : IClassFixture<MissingModelsFaceApiFactory>
{
    [Fact]
    public async Task Not_ready_is_retried_up_to_the_bound_then_thrown_and_readiness_is_an_answer_not_an_error()
    {
        var cancellation = TestContext.Current.CancellationToken;
        // In memory: the handler chain of IHttpClientFactory ends in the test server's handler.
        using var services = new ClientServices(
            service.Server.BaseAddress,
            options =>
            {
                options.MaxRetryAttempts = 2;
                options.RetryDelay = TimeSpan.FromMilliseconds(10);
            },
            primaryHandler: service.Server.CreateHandler);

        var refused = await Assert.ThrowsAsync<FaceApiException>(() => services.Client.EmbedAsync(TestImages.WithoutFace(), cancellationToken: cancellation));
        var readiness = await services.Client.GetReadinessAsync(cancellation);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, ProblemCode.NotReady), (refused.Status, refused.Code));
        Assert.Equal(3, services.Log.Attempts.Count(attempt => attempt.Request.RequestUri!.AbsolutePath == "/embed"));
        Assert.Equal(ReadinessStatus.Failed, readiness.Status);
        Assert.Contains("w600k_r50.onnx", readiness.Reason, StringComparison.Ordinal);
    }
}
