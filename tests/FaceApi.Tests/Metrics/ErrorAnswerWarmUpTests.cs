using FaceApi.Errors;
using FaceApi.Tests.Hardening;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FaceApi.Tests.Metrics;

/// <summary>The start-up refusal that compiles the error path is no client's error: it shows in no series.</summary>
[Collection(MetricsCollection.Name)]
public sealed class ErrorAnswerWarmUpTests(DefaultService factory) : IClassFixture<DefaultService>
{
    [Fact]
    public async Task TheWarmUpRefusalIsCountedNowhere()
    {
        var client = await factory.CreateReadyClientAsync();
        var warmUp = factory.Services.GetServices<IHostedService>().OfType<ErrorAnswerWarmUp>().Single();
        var before = await MetricsExposition.ReadAsync(client);

        await warmUp.StartAsync(TestContext.Current.CancellationToken);
        var after = await MetricsExposition.ReadAsync(client);

        // The series may not exist yet: no client has had an error in this process.
        Assert.Equal(before.Find("faceapi_errors_total", ("code", "queue_full")) ?? 0, after.Find("faceapi_errors_total", ("code", "queue_full")) ?? 0);
    }
}
