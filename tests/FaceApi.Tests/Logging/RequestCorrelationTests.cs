using System.Net.Http.Json;
using System.Text.Json;
using FaceApi.Hosting;
using FaceApi.Logging;
using FaceApi.Testing;
using FaceApi.Tests.Hardening;
using Serilog.Events;

namespace FaceApi.Tests.Logging;

/// <summary>
/// One request, followed by its ids: the caller's <c>X-Request-Id</c> and the W3C trace id of its
/// <c>traceparent</c> appear in every log line the request causes, in the response header and in
/// the problem details.
/// </summary>
/// <remarks>
/// Serial: hosts in one test process can share Serilog's static logger, so lines of other tests'
/// requests could reach this host's capture; alone, every line after start-up is this test's.
/// </remarks>
[Collection(Hardening.SerialCollection.Name)]
public sealed class RequestCorrelationTests : IAsyncDisposable
{
    // W3C Trace Context (https://www.w3.org/TR/trace-context/#traceparent-header): version, trace id, parent span id, flags.
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string Traceparent = $"00-{TraceId}-00f067aa0ba902b7-01";

    private readonly DefaultService _factory = new()
    {
        // The service's own lines and ASP.NET Core's request lines, including "Request starting",
        // written before any middleware runs.
        Settings =
        {
            ["Serilog:MinimumLevel:Default"] = "Information",
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Information",
        },
    };

    [Fact]
    public async Task AFailedRequestCarriesTheCallersIdsInEveryLogLineTheHeaderAndTheProblem()
    {
        var client = await _factory.CreateReadyClientAsync();
        var since = await QuietAsync();

        using var response = await client.SendAsync(WithIds(
            new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = JsonContent.Create(new { image = Convert.ToBase64String("not an image"u8) }) },
            "caller-request-1"),
            TestContext.Current.CancellationToken);

        Assert.Equal("caller-request-1", response.Headers.GetValues(RequestIdMiddleware.HeaderName).Single());
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("caller-request-1", problem.RootElement.GetProperty("requestId").GetString());
        Assert.Equal(TraceId, problem.RootElement.GetProperty("traceId").GetString());
        await AssertEveryLineSinceCarriesAsync(since, "caller-request-1");
    }

    [Fact]
    public async Task ASuccessfulRequestCarriesTheCallersIdsInEveryLogLineAndTheHeader()
    {
        var client = await _factory.CreateReadyClientAsync();
        var since = await QuietAsync();

        using var response = await client.SendAsync(WithIds(
            new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = new MultipartFormDataContent { { new ByteArrayContent(TestData.ReadFacePhoto("obama.jpg")), "image", "obama.jpg" } } },
            "caller-request-2"),
            TestContext.Current.CancellationToken);

        response.EnsureSuccessStatusCode();
        Assert.Equal("caller-request-2", response.Headers.GetValues(RequestIdMiddleware.HeaderName).Single());
        await AssertEveryLineSinceCarriesAsync(since, "caller-request-2");
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private static HttpRequestMessage WithIds(HttpRequestMessage request, string requestId)
    {
        request.Headers.Add(RequestIdMiddleware.HeaderName, requestId);
        request.Headers.Add("traceparent", Traceparent);
        return request;
    }

    /// <summary>
    /// Waits until start-up has logged its last line (the model loader's "Ready", written just after
    /// readiness turns on) and every readiness poll its "Request finished", and returns how many lines
    /// there are then: every later line belongs to the one request the test sends, so none can be
    /// left out of the check.
    /// </summary>
    private async Task<int> QuietAsync()
    {
        bool Quiet()
        {
            var events = _factory.Logs.Events.ToArray();
            return events.Any(e => e.MessageTemplate.Text.StartsWith("Ready:", StringComparison.Ordinal))
                && events.Count(IsStarting) == events.Count(IsFinished);
        }

        await WaitForAsync(Quiet, "start-up and the readiness polls to finish logging");
        return _factory.Logs.Events.Count;
    }

    private static bool IsStarting(LogEvent e) => e.MessageTemplate.Text.StartsWith("Request starting", StringComparison.Ordinal);

    private static bool IsFinished(LogEvent e) => e.MessageTemplate.Text.StartsWith("Request finished", StringComparison.Ordinal);

    /// <summary>Every line logged since <paramref name="since"/>, up to ASP.NET Core's "Request finished", carries both ids.</summary>
    private async Task AssertEveryLineSinceCarriesAsync(int since, string requestId)
    {
        await WaitForAsync(() => _factory.Logs.Events.Skip(since).Any(IsFinished), "the request's \"Request finished\" line");
        var lines = _factory.Logs.Events.Skip(since).ToArray();

        // At least ASP.NET Core's "Request starting" and "Request finished" and Serilog's summary line.
        Assert.True(lines.Length >= 3, $"Only {lines.Length} log lines of the request were seen.");
        Assert.All(lines, line =>
        {
            var text = line.RenderMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(line.TraceId?.ToHexString() == TraceId, $"No trace id {TraceId} on: {text}");
            Assert.True(RequestIdOf(line) == requestId, $"No request id {requestId} on: {text}");
        });
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); !condition(); await Task.Delay(20, TestContext.Current.CancellationToken))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), $"Waited a minute for {what}.");
        }
    }

    private static string? RequestIdOf(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue(RequestIdEnricher.PropertyName, out var value) && value is ScalarValue { Value: string id } ? id : null;
}
