using System.Net;
using System.Text.RegularExpressions;
using FaceApi.Testing;
using FaceApi.Tests.Hardening;

namespace FaceApi.Tests.Metrics;

/// <summary>
/// The shipped Prometheus configuration and rules, checked by Prometheus' own tools and used for
/// real: a Prometheus process scrapes the service on a loopback Kestrel port and answers PromQL.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed partial class PrometheusScrapeTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(1);

    // Scrapes every second; this leaves room for a slow start on a busy machine.
    private static readonly TimeSpan ScrapeTimeout = TimeSpan.FromMinutes(1);

    // One, two and four faces (faces.json).
    private static readonly string[] Photos = ["obama.jpg", "two_people.jpg", "obama_family.jpg"];

    [Fact]
    public async Task PrometheusScrapesTheServiceWithTheShippedConfigAndSeesEveryEmbeddedFace()
    {
        var prometheus = ExternalTool.Require("prometheus");
        var port = LoopbackPort.Free();
        await using var factory = new DefaultService();
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        var client = await factory.CreateReadyClientAsync();
        var target = $"127.0.0.1:{port}";
        Assert.Equal(target, client.BaseAddress!.Authority);
        await using var server = await PrometheusServer.StartAsync(prometheus, target, ScrapeTimeout);
        await server.WaitForAsync($"up{{job=\"faceapi\",instance=\"{target}\"}}", up => up == 1, ScrapeTimeout);
        var before = (await MetricsExposition.ReadAsync(client)).Value("faceapi_faces_embedded_total");

        var faces = 0;
        foreach (var photo in Photos)
        {
            using var response = await client.PostAsync(new Uri("/embed", UriKind.Relative), new MultipartFormDataContent { { new ByteArrayContent(TestData.ReadFacePhoto(photo)), "image", photo } }, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            faces += TestData.Faces.Images.Single(image => image.File == $"faces/{photo}").Faces;
        }

        var exposed = (await MetricsExposition.ReadAsync(client)).Value("faceapi_faces_embedded_total");
        Assert.Equal(before + faces, exposed);
        Assert.Equal(exposed, await server.WaitForAsync("sum(faceapi_faces_embedded_total)", value => value == exposed, ScrapeTimeout));
        await server.WaitForAsync($"faceapi_ready{{instance=\"{target}\"}}", ready => ready == 1, ScrapeTimeout);
        await AssertEveryShippedAlertIsLoadedAndEvaluatesAsync(server);
    }

    [Fact]
    public async Task PromtoolAcceptsTheShippedConfig()
    {
        var promtool = ExternalTool.Require("promtool");

        var (exitCode, output) = await ExternalTool.RunAsync(promtool, PrometheusServer.ShippedFolder, ToolTimeout, "check", "config", "prometheus.yml");

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task PromtoolAcceptsTheShippedAlertRulesAndTheirUnitTests()
    {
        var promtool = ExternalTool.Require("promtool");

        var check = await ExternalTool.RunAsync(promtool, PrometheusServer.ShippedFolder, ToolTimeout, "check", "rules", "alerts.yml");
        var unitTests = await ExternalTool.RunAsync(promtool, PrometheusServer.ShippedFolder, ToolTimeout, "test", "rules", "alerts.test.yml");

        Assert.True(check.ExitCode == 0, check.Output);
        Assert.True(unitTests.ExitCode == 0, unitTests.Output);
    }

    /// <summary>Every alert of alerts.yml is loaded, has been evaluated against the scraped series, and raised no error.</summary>
    private static async Task AssertEveryShippedAlertIsLoadedAndEvaluatesAsync(PrometheusServer server)
    {
        var shipped = AlertName().Matches(File.ReadAllText(Path.Combine(PrometheusServer.ShippedFolder, "alerts.yml"))).Select(match => match.Groups["name"].Value).Order().ToArray();
        var deadline = DateTime.UtcNow + ScrapeTimeout;
        while (true)
        {
            using var rules = await server.RulesAsync();
            var loaded = rules.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                .SelectMany(group => group.GetProperty("rules").EnumerateArray())
                .Select(rule => (Name: rule.GetProperty("name").GetString()!, Health: rule.GetProperty("health").GetString()!, Error: rule.TryGetProperty("lastError", out var error) ? error.GetString() : null))
                .ToArray();
            Assert.Equal(shipped, loaded.Select(rule => rule.Name).Order());
            Assert.All(loaded, rule => Assert.True(string.IsNullOrEmpty(rule.Error), $"{rule.Name}: {rule.Error}"));
            if (loaded.All(rule => rule.Health == "ok"))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"Rules not all evaluated within {ScrapeTimeout}: {string.Join(", ", loaded.Select(rule => $"{rule.Name}={rule.Health}"))}");
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    [GeneratedRegex(@"(?m)^\s*- alert: (?<name>\S+)")]
    private static partial Regex AlertName();
}
