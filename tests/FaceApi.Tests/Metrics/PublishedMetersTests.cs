using System.Net;
using FaceApi.Testing;
using FaceApi.Tests.Hardening;

namespace FaceApi.Tests.Metrics;

/// <summary>Which of .NET's own meters reach <c>/metrics</c> (PublishedMeters).</summary>
[Collection(MetricsCollection.Name)]
public sealed class PublishedMetersTests(DefaultService factory) : IClassFixture<DefaultService>
{
    [Fact]
    public async Task RuntimeMetersArePublishedAndPerRequestAspNetCoreMetersAreNot()
    {
        var client = await factory.CreateReadyClientAsync();
        // The first scrape starts the meter adapter; the request after it is one that hosting, routing
        // and the rate limiter would measure if their meters were listened to.
        _ = await MetricsExposition.ReadAsync(client);
        using var response = await client.EmbedAsync(Requests.Multipart(TestData.ReadFacePhoto("obama.jpg")));
        var metrics = await MetricsExposition.ReadAsync(client);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The benchmarks' bytes-allocated figure reads this series (tests/FaceApi.Benchmarks/ServerCounters.cs).
        Assert.True(metrics.Value("system_runtime_dotnet_gc_heap_total_allocated") > 0);
        // prometheus-net's own HTTP series stay.
        Assert.Contains("\nhttp_request_duration_seconds_count{", metrics.Text, StringComparison.Ordinal);
        // The meters' series by name (prometheus-net prefixes the meter's name to the instrument's). The
        // same prefixes also name the EventCounters prometheus-net publishes (hosting's requests_per_second
        // and the like): those are process-wide counters read every few seconds, not per-request work.
        foreach (var prefix in new[]
        {
            "microsoft_aspnetcore_hosting_http_server_",
            "microsoft_aspnetcore_routing_aspnetcore_routing_",
            "microsoft_aspnetcore_ratelimiting_aspnetcore_rate_limiting_",
        })
        {
            Assert.DoesNotContain("\n" + prefix, metrics.Text, StringComparison.Ordinal);
        }
    }
}
