using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace FaceApi.Tests.Hardening;

/// <summary>Every log event the service wrote, rendered as JSON with its message, properties and exception.</summary>
public sealed class CapturedLogs : ILogEventSink
{
    private readonly ConcurrentQueue<(LogEventLevel Level, string Json)> _events = new();
    private readonly JsonFormatter _formatter = new(renderMessage: true);

    public IReadOnlyCollection<(LogEventLevel Level, string Json)> Events => _events;

    public string AllText => string.Join('\n', _events.Select(e => e.Json));

    public void Emit(LogEvent logEvent)
    {
        using var writer = new StringWriter();
        _formatter.Format(logEvent, writer);
        _events.Enqueue((logEvent.Level, writer.ToString()));
    }
}
