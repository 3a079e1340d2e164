using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace FaceApi.Tests.Logging;

/// <summary>
/// A Serilog sink that keeps every event the service wrote. Every test host registers one (see
/// <see cref="Hosting.FaceApiFactory.Logs"/>); Serilog's ReadFrom.Services adds it.
/// </summary>
public sealed class CapturedLogs : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();
    private readonly JsonFormatter _formatter = new(renderMessage: true);

    public IReadOnlyCollection<LogEvent> Events => _events;

    /// <summary>Every event rendered as JSON with its message, properties and exception, one per line.</summary>
    public string AllText => string.Join('\n', _events.Select(Json));

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);

    /// <summary>One event as JSON with its message, properties and exception.</summary>
    public string Json(LogEvent logEvent)
    {
        using var writer = new StringWriter();
        _formatter.Format(logEvent, writer);
        return writer.ToString();
    }
}
