using FaceApi.Contracts;
using FaceApi.Hosting;
using FaceApi.Tests.Metrics;

namespace FaceApi.Tests.Hosting;

/// <summary>
/// Once ready, the service on a real socket sends itself a burst of refused requests over loopback
/// (<see cref="LoopbackWarmUp"/>), which reach the endpoint (415 <c>unsupported_media_type</c>, not a
/// 503 before readiness) and which no request log line, HTTP or <c>faceapi_*</c> series counts, while
/// a client's request of the same kind is logged and counted once.
/// </summary>
// Compares process-wide Prometheus series before and after.
[Collection(MetricsCollection.Name)]
public sealed class LoopbackWarmUpTests
{
    private static readonly (string, string)[] EmbedUnsupported = [("endpoint", "/embed"), ("method", "POST"), ("controller", ""), ("action", ""), ("code", "415")];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Once_ready_the_request_path_is_warmed_over_loopback_and_nothing_counts_or_logs_it(bool rateLimited)
    {
        var before = await ExportAsync();
        await using var service = new KestrelFaceApiFactory();
        // At Information a 415 would have its request log line.
        service.Settings["Serilog:MinimumLevel:Default"] = "Information";
        // 20 a second from loopback: the warm-up's 400 would be refused if the limiter counted them.
        service.Settings["FaceApi:RateLimiting:Enabled"] = rateLimited ? "true" : "false";
        service.Settings["FaceApi:RateLimiting:PermitLimit"] = "20";
        // The factory waits for the warm-up once the service is ready.
        await service.InitializeAsync();
        // One client's request of the same kind, which does count: the 400 of the warm-up must not.
        using var client = await service.Client.PostAsync("/embed", new StringContent("not an image"), TestContext.Current.CancellationToken);
        Assert.Equal(System.Net.HttpStatusCode.UnsupportedMediaType, client.StatusCode);
        var after = await ExportAsync();

        var warmed = Assert.Single(service.Logs.Events, e => e.MessageTemplate.Text.StartsWith("Request path warmed", StringComparison.Ordinal));
        Assert.Equal("\"415 x400\"", warmed.Properties["Answers"].ToString());
        Assert.Single(service.Logs.Events, e => e.Properties.TryGetValue("StatusCode", out var status) && status.ToString() == "415");
        Assert.Equal(1, after.Delta(before, "http_requests_received_total", EmbedUnsupported));
        Assert.Equal(1, after.Delta(before, "faceapi_errors_total", ("code", ProblemCode.UnsupportedMediaType)));
        Assert.Equal(1, after.Delta(before, "faceapi_request_seconds_count", ("endpoint", "embed")));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://[::]:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://localhost:5000", "http://localhost:5000/")]
    public void The_target_is_the_first_plain_http_address_reached_over_loopback(string bound, string expected) =>
        Assert.Equal(new Uri(expected), LoopbackWarmUp.Target(["https://0.0.0.0:8443", bound]));

    [Fact]
    public void Without_a_plain_http_address_there_is_no_target() =>
        Assert.Null(LoopbackWarmUp.Target(["https://[::]:8443", "http://unix:/run/faceapi.sock"]));

    private static async Task<MetricsExposition> ExportAsync()
    {
        using var text = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(text, TestContext.Current.CancellationToken);
        return MetricsExposition.Parse(System.Text.Encoding.UTF8.GetString(text.ToArray()));
    }
}
