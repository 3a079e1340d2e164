using System.Net.Http.Json;
using System.Text.Json;
using FaceApi.Hosting;
using FaceApi.Logging;
using FaceApi.Testing;
using FaceApi.Tests.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace FaceApi.Tests.Logging;

/// <summary>
/// One request, followed by its ids: the caller's <c>X-Request-Id</c> and the W3C trace id of its
/// <c>traceparent</c> appear in every log line the request causes, in the response header and in
/// the problem details.
/// </summary>
public sealed class RequestCorrelationTests : IAsyncDisposable
{
    // W3C Trace Context (https://www.w3.org/TR/trace-context/#traceparent-header): version, trace id, parent span id, flags.
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string Traceparent = $"00-{TraceId}-00f067aa0ba902b7-01";

    private readonly CollectingSink _sink = new();
    private readonly TestModelsFactory _factory;

    public RequestCorrelationTests() => _factory = new TestModelsFactory
    {
        // ASP.NET Core's own request lines too, including "Request starting", written before any middleware runs.
        Settings = { ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Information" },
        ConfigureHost = builder => builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(_sink)),
    };

    [Fact]
    public async Task AFailedRequestCarriesTheCallersIdsInEveryLogLineTheHeaderAndTheProblem()
    {
        var client = await _factory.CreateReadyClientAsync();

        using var response = await client.SendAsync(WithIds(
            new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = JsonContent.Create(new { image = Convert.ToBase64String("not an image"u8) }) },
            "caller-request-1"),
            TestContext.Current.CancellationToken);

        Assert.Equal("caller-request-1", response.Headers.GetValues(RequestIdMiddleware.HeaderName).Single());
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("caller-request-1", problem.RootElement.GetProperty("requestId").GetString());
        Assert.Equal(TraceId, problem.RootElement.GetProperty("traceId").GetString());
        AssertEveryLineOfTheRequestCarries("caller-request-1");
    }

    [Fact]
    public async Task ASuccessfulRequestCarriesTheCallersIdsInEveryLogLineAndTheHeader()
    {
        var client = await _factory.CreateReadyClientAsync();

        using var response = await client.SendAsync(WithIds(
            new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = new MultipartFormDataContent { { new ByteArrayContent(TestData.ReadFacePhoto("obama.jpg")), "image", "obama.jpg" } } },
            "caller-request-2"),
            TestContext.Current.CancellationToken);

        response.EnsureSuccessStatusCode();
        Assert.Equal("caller-request-2", response.Headers.GetValues(RequestIdMiddleware.HeaderName).Single());
        AssertEveryLineOfTheRequestCarries("caller-request-2");
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private static HttpRequestMessage WithIds(HttpRequestMessage request, string requestId)
    {
        request.Headers.Add(RequestIdMiddleware.HeaderName, requestId);
        request.Headers.Add("traceparent", Traceparent);
        return request;
    }

    private void AssertEveryLineOfTheRequestCarries(string requestId)
    {
        var lines = _sink.Events.Where(e => e.TraceId?.ToHexString() == TraceId || RequestIdOf(e) == requestId).ToArray();

        // At least ASP.NET Core's "Request starting" and "Request finished" and Serilog's summary line.
        Assert.True(lines.Length >= 3, $"Only {lines.Length} log lines of the request were seen.");
        Assert.All(lines, line =>
        {
            Assert.Equal(TraceId, line.TraceId?.ToHexString());
            Assert.Equal(requestId, RequestIdOf(line));
        });
    }

    private static string? RequestIdOf(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue(RequestIdEnricher.PropertyName, out var value) && value is ScalarValue { Value: string id } ? id : null;
}
