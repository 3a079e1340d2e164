using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace FaceApi.Tests.Logging;

/// <summary>A Serilog sink that keeps every event, for tests to inspect what the service logged.</summary>
public sealed class CollectingSink : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyCollection<LogEvent> Events => _events;

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);
}
