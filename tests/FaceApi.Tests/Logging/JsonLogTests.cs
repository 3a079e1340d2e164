using System.Text.Json;
using FaceApi.Hosting;
using FaceApi.Testing;

namespace FaceApi.Tests.Logging;

/// <summary>
/// <c>FaceApi:Logging:Json</c>: the service writes one JSON object per line for log collectors,
/// every line of it, with the request id on the lines a request causes. Run as its own process,
/// because the console is what a collector reads.
/// </summary>
public sealed class JsonLogTests
{
    [Fact]
    public async Task Every_console_line_is_a_json_event_and_request_lines_carry_the_request_id()
    {
        TestData.RequireAvailable();
        var settings = TestModelSettings.Create();
        settings["FaceApi:Logging:Json"] = "true";
        settings["FaceApi:Inference:Providers:0"] = "Cpu";
        await using var service = ServiceProcess.Start("json-logs", ServiceProcess.HostAssemblyBesideThisProgram(), settings);
        await service.WaitUntilReadyAsync(ServiceReadiness.StartTimeout, TestContext.Current.CancellationToken);
        using var client = new HttpClient { BaseAddress = service.Address };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add(RequestIdMiddleware.HeaderName, "json-log-test-1");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        await service.StopAsync(TimeSpan.FromMinutes(1));

        var lines = service.Child.OutputLines.Where(line => line.Length > 0).ToArray();
        Assert.NotEmpty(lines);
        var events = lines.Select(line =>
        {
            try
            {
                return JsonDocument.Parse(line).RootElement.Clone();
            }
            catch (JsonException)
            {
                Assert.Fail($"Not a JSON line: {line}");
                throw;
            }
        }).ToArray();
        // Serilog's compact format: a timestamp and the rendered message on every event.
        Assert.All(events, e => Assert.True(e.TryGetProperty("@t", out _) && e.TryGetProperty("@m", out _), $"Not a compact JSON event: {e}"));
        var requestEvents = events.Where(e => e.TryGetProperty("RequestId", out var id) && id.GetString() == "json-log-test-1").ToArray();
        Assert.NotEmpty(requestEvents);
        Assert.All(requestEvents, e => Assert.True(e.TryGetProperty("@tr", out _), $"No trace id: {e}"));
    }
}
