using System.Net;
using FaceApi.Testing;
using FaceApi.Tests.Hardening;

namespace FaceApi.Tests.Metrics;

[Collection(MetricsCollection.Name)]
public sealed class MetricsPortTests
{
    [Fact]
    public async Task MetricsPortMovesMetricsOffTheMainPort()
    {
        var port = LoopbackPort.Free();
        await using var factory = new DefaultService { Settings = { ["FaceApi:Metrics:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
        var client = await factory.CreateReadyClientAsync();
        using var metricsClient = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using var onMainPort = await client.GetAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);
        var onMetricsPort = await MetricsExposition.ReadAsync(metricsClient);

        Assert.Equal(HttpStatusCode.NotFound, onMainPort.StatusCode);
        Assert.Equal(1, onMetricsPort.Find("faceapi_ready"));
        Assert.NotNull(onMetricsPort.Find("faceapi_queue_capacity"));
    }
}
