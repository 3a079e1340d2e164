using FaceApi.Errors;
using FaceApi.Tests.Hardening;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FaceApi.Tests.Metrics;

/// <summary>The start-up refusal that compiles the error path is written whole, and is no client's error: it shows in no series.</summary>
[Collection(MetricsCollection.Name)]
public sealed class ErrorAnswerWarmUpTests(DefaultService factory) : IClassFixture<DefaultService>
{
    [Fact]
    public async Task TheWarmUpWritesARefusalThatIsCountedNowhere()
    {
        var client = await factory.CreateReadyClientAsync();
        var warmUp = factory.Services.GetServices<IHostedService>().OfType<ErrorAnswerWarmUp>().Single();
        var before = await MetricsExposition.ReadAsync(client);

        var answered = await warmUp.WriteRefusalAsync(TestContext.Current.CancellationToken);
        var after = await MetricsExposition.ReadAsync(client);

        // The same answer a client gets: the handler and the problem-details writer ran.
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, answered.Response.StatusCode);
        Assert.Equal("1", answered.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", answered.Response.ContentType, StringComparison.Ordinal);
        // The series may not exist yet: no client has had an error in this process.
        Assert.Equal(before.Find("faceapi_errors_total", ("code", "queue_full")) ?? 0, after.Find("faceapi_errors_total", ("code", "queue_full")) ?? 0);
    }
}
