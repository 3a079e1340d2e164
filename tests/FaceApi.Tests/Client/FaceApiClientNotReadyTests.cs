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

    /// <summary>
    /// not_ready carries a Retry-After, and the deadline check weighs the wait the client will really make:
    /// with a <see cref="FaceApiClientOptions.TotalTimeout"/> shorter than that wait the caller gets not_ready
    /// at once, not a timeout after a retry that could never be answered in time.
    /// </summary>
    [Fact]
    public async Task Not_ready_says_when_to_come_back_and_a_short_budget_surfaces_it_instead_of_timing_out()
    {
        var cancellation = TestContext.Current.CancellationToken;
        using var services = new ClientServices(
            service.Server.BaseAddress,
            options =>
            {
                // The client's own backoff (a minute) is far past the budget, and so is the service's Retry-After:
                // a 1 s wait started after the call began ends after a 1 s budget. The one attempt still has the
                // whole second; a 2 s budget, which had to fit an attempt, the wait and a second attempt, sometimes
                // ran out on two loaded CI cores.
                options.RetryDelay = TimeSpan.FromMinutes(1);
                options.TotalTimeout = TimeSpan.FromSeconds(1);
            },
            primaryHandler: service.Server.CreateHandler);
        // The same refusal once first, by a client with the default budget and no retries, so that the budgeted
        // attempt does not pay for compiling the client's and the service's code on its way.
        using (var warmUp = new ClientServices(service.Server.BaseAddress, options => options.MaxRetryAttempts = 0, primaryHandler: service.Server.CreateHandler))
        {
            await Assert.ThrowsAsync<FaceApiException>(() => warmUp.Client.EmbedAsync(TestImages.WithoutFace(), cancellationToken: cancellation));
        }

        var refused = await Assert.ThrowsAsync<FaceApiException>(() => services.Client.EmbedAsync(TestImages.WithoutFace(), cancellationToken: cancellation));

        Assert.Equal((HttpStatusCode.ServiceUnavailable, ProblemCode.NotReady), (refused.Status, refused.Code));
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
        Assert.Single(services.Log.Attempts, attempt => attempt.Request.RequestUri!.AbsolutePath == "/embed");
    }
}
