using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using FaceApi.Tests.Hardening;
using FaceApi.Tests.Metrics;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Issue 13, item 4: each made-up HTTP method, sent without a key, added about 20 <c>http_request_*</c>
/// series. Scaled down: 300 distinct methods on the live probe and on /embed of a keyed service.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed partial class MadeUpMethodTests(ApiKeyTests.KeyedService factory) : IClassFixture<ApiKeyTests.KeyedService>
{
    private const int Methods = 300;

    [Fact]
    public async Task Made_up_methods_share_one_other_label_and_add_no_series()
    {
        var client = await factory.CreateReadyClientAsync();
        var seriesBefore = HttpSeries(await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken));
        var started = Stopwatch.GetTimestamp();

        var statuses = new HashSet<HttpStatusCode>();
        for (var i = 0; i < Methods; i++)
        {
            var path = i % 2 == 0 ? "/health/live" : "/embed";
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod($"MADEUP{i}"), path), TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var text = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        var seriesAfter = HttpSeries(text);
        var methods = MethodLabel().Matches(text).Select(match => match.Groups["method"].Value).ToHashSet();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Methods} made-up methods in {elapsed.TotalSeconds:F1} s: answers {string.Join(", ", statuses.Select(s => (int)s))}; " +
            $"http_request_* series {seriesBefore} -> {seriesAfter}; method labels {string.Join(", ", methods)}");

        // The keyed service refuses them (401) or routing does (404/405); either way no 5xx.
        Assert.All(statuses, status => Assert.InRange((int)status, 400, 499));
        Assert.DoesNotContain(methods, method => method.StartsWith("MADEUP", StringComparison.Ordinal));
        Assert.Subset(new HashSet<string> { "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "other" }, methods);
        // The first made-up method may open the "other" series for each status, route and histogram
        // bucket (about 20 per status and route); 300 methods must not add 300 times that.
        Assert.InRange(seriesAfter - seriesBefore, 0, 100);
    }

    private static int HttpSeries(string exposition) =>
        exposition.Split('\n').Count(line => line.StartsWith("http_request", StringComparison.Ordinal));

    [GeneratedRegex("""^http_request\w*\{[^}]*method="(?<method>[^"]*)""", RegexOptions.Multiline)]
    private static partial Regex MethodLabel();
}
