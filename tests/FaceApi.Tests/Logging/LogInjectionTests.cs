using FaceApi.Tests.Hardening;
using Serilog.Events;

namespace FaceApi.Tests.Logging;

/// <summary>
/// Nothing a client sends can start a new log line or drive the console: control characters in logged
/// values, such as the request path Kestrel percent-decodes, are written escaped.
/// </summary>
/// <remarks>Serial, with a service of its own logging requests at Information, as <see cref="RequestCorrelationTests"/>.</remarks>
[Collection(Hardening.SerialCollection.Name)]
public sealed class LogInjectionTests : IAsyncDisposable
{
    private readonly DefaultService _service = new() { Settings = { ["Serilog:MinimumLevel:Default"] = "Information" } };

    [Fact]
    public async Task Control_characters_in_the_request_path_are_logged_escaped()
    {
        // A forged FATAL line with a console colour code, as a second probe of issue 13 sent it (there with
        // the level in brackets, which HttpClient will not put in a path).
        const string Forged = "/%0d%0a08:00:00%20FTL%20FAKE%1b%5b31mRED";
        var client = await _service.CreateReadyClientAsync();

        using var response = await client.GetAsync(Forged, TestContext.Current.CancellationToken);

        // Serilog's summary line is written once the response has gone.
        Assert.Equal("/\\u000d\\u000a08:00:00 FTL FAKE\\u001b[31mRED", await LoggedPathAsync());
        Assert.DoesNotContain(_service.Logs.Events, e => e.RenderMessage().AsSpan().ContainsAnyInRange('\0', '\u001f'));
    }

    public ValueTask DisposeAsync() => _service.DisposeAsync();

    private async Task<string> LoggedPathAsync()
    {
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromMinutes(1); await Task.Delay(20, TestContext.Current.CancellationToken))
        {
            var paths = _service.Logs.Events
                .Select(e => e.Properties.TryGetValue("RequestPath", out var path) ? (path as ScalarValue)?.Value as string : null)
                .Where(path => path?.Contains("FAKE", StringComparison.Ordinal) == true)
                .ToArray();
            if (paths.Length > 0)
            {
                return Assert.Single(paths)!;
            }
        }

        throw new TimeoutException("Waited a minute for the request's summary line.");
    }
}
