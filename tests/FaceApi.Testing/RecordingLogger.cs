using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FaceApi.Testing;

/// <summary>Keeps every log entry, level and formatted message, so tests can check what an operator would read.</summary>
public class RecordingLogger : ILogger
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries = new();

    public IReadOnlyCollection<(LogLevel Level, string Message)> Entries => _entries;

    /// <summary>The formatted messages, oldest first.</summary>
    public IReadOnlyList<string> Messages => _entries.Select(entry => entry.Message).ToArray();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, formatter(state, exception)));
}

/// <summary>A <see cref="RecordingLogger"/> for a class that takes an <see cref="ILogger{TCategoryName}"/>.</summary>
public sealed class RecordingLogger<T> : RecordingLogger, ILogger<T>;
