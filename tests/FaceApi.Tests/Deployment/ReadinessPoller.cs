using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;

namespace FaceApi.Tests.Deployment;

/// <summary>
/// Polls one instance's /health/ready directly (not through nginx) and records what each poll saw,
/// with the time, so a test can tell whether readiness turned 503 before the port closed.
/// </summary>
internal sealed class ReadinessPoller : IAsyncDisposable
{
    private readonly Uri _uri;
    private readonly TimeSpan _interval;
    private readonly ConcurrentQueue<ReadinessSample> _samples = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(5) };
    private Task _polling = Task.CompletedTask;

    private ReadinessPoller(Uri uri, TimeSpan interval)
    {
        _uri = uri;
        _interval = interval;
    }

    public IReadOnlyList<ReadinessSample> Samples => _samples.ToArray();

    public static ReadinessPoller Start(Uri readinessUri, TimeSpan interval, Stopwatch clock)
    {
        var poller = new ReadinessPoller(readinessUri, interval);
        poller._polling = Task.Run(() => poller.PollAsync(clock));
        return poller;
    }

    public async Task<IReadOnlyList<ReadinessSample>> StopAsync()
    {
        await _stop.CancelAsync();
        await _polling;
        return Samples;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _client.Dispose();
    }

    private async Task PollAsync(Stopwatch clock)
    {
        while (!_stop.IsCancellationRequested)
        {
            _samples.Enqueue(new ReadinessSample(clock.Elapsed, await ProbeAsync()));
            try
            {
                await Task.Delay(_interval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<ReadinessState> ProbeAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
        // A new connection per poll: a kept-alive one would hide the moment the listener closes.
        request.Headers.ConnectionClose = true;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await _client.SendAsync(request);
            return (int)response.StatusCode switch
            {
                200 => ReadinessState.Ready,
                503 => ReadinessState.NotReady,
                _ => ReadinessState.UnexpectedStatus,
            };
        }
        catch (HttpRequestException)
        {
            // Connection refused or reset: nothing serves the port any more.
            return ReadinessState.Unreachable;
        }
        catch (TaskCanceledException)
        {
            return ReadinessState.NoAnswer;
        }
    }
}

internal enum ReadinessState
{
    Ready,
    NotReady,
    Unreachable,

    /// <summary>No answer within the probe's timeout (a busy machine): says nothing either way.</summary>
    NoAnswer,
    UnexpectedStatus,
}

/// <summary>What one poll saw, and when (time since the test's clock started).</summary>
internal sealed record ReadinessSample(TimeSpan At, ReadinessState State)
{
    public override string ToString() => $"{At.TotalSeconds:F2}s {State}";
}
