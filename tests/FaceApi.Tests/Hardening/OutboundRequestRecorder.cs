using System.Collections.Concurrent;
using System.Diagnostics;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// Records every outgoing request this process makes through <see cref="HttpClient"/>, from the
/// diagnostic events its handler raises, so a test can show that a request made none.
/// </summary>
internal sealed class OutboundRequestRecorder : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    // The listener name System.Net.Http's DiagnosticsHandler publishes under.
    private const string HttpListenerName = "HttpHandlerDiagnosticListener";

    private readonly ConcurrentQueue<string> _requests = new();
    private readonly List<IDisposable> _subscriptions = [];

    public OutboundRequestRecorder() => _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));

    public IReadOnlyCollection<string> Requests => _requests;

    public void OnNext(DiagnosticListener value)
    {
        if (value.Name == HttpListenerName)
        {
            lock (_subscriptions)
            {
                _subscriptions.Add(value.Subscribe(this));
            }
        }
    }

    public void OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Value?.GetType().GetProperty("Request")?.GetValue(value.Value) is HttpRequestMessage request)
        {
            _requests.Enqueue(request.RequestUri?.ToString() ?? string.Empty);
        }
    }

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void Dispose()
    {
        lock (_subscriptions)
        {
            _subscriptions.ForEach(subscription => subscription.Dispose());
        }
    }
}
