using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace FaceApi.Tests.Deployment;

/// <summary>
/// Closed-loop clients: each sends /embed and /verify in turn, the next request as soon as the
/// previous one is answered, and records every outcome. Bounded by a request cap; stopping lets
/// the requests in flight finish, so stopping never counts as a failure.
/// </summary>
internal sealed class SteadyLoad : IAsyncDisposable
{
    // Far above what one small photo takes on a busy CPU, far below the test's own timeout.
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _client;
    private readonly byte[] _photo1;
    private readonly byte[] _photo2;
    private readonly int _maxRequests;
    private readonly ConcurrentQueue<LoadResult> _results = new();
    private readonly CancellationTokenSource _stop = new();
    private Task[] _workers = [];
    private int _requestsStarted;

    private SteadyLoad(HttpClient client, byte[] photo1, byte[] photo2, int maxRequests)
    {
        _client = client;
        _photo1 = photo1;
        _photo2 = photo2;
        _maxRequests = maxRequests;
    }

    public int Completed => _results.Count;

    /// <summary>Starts <paramref name="clients"/> clients; /embed sends <paramref name="photo1"/>, /verify both photos.</summary>
    public static SteadyLoad Start(HttpClient client, byte[] photo1, byte[] photo2, int clients, int maxRequests)
    {
        var load = new SteadyLoad(client, photo1, photo2, maxRequests);
        load._workers = Enumerable.Range(0, clients).Select(i => Task.Run(() => load.RunClientAsync(firstIsVerify: i % 2 == 1))).ToArray();
        return load;
    }

    /// <summary>Waits until <paramref name="count"/> requests in all have been answered.</summary>
    public async Task WaitForCompletedAsync(int count, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (Completed < count)
        {
            Assert.True(deadline.Elapsed < timeout, $"Only {Completed} of {count} requests were answered within {timeout}.");
            Assert.False(_workers.All(worker => worker.IsCompleted), $"The clients stopped after {Completed} requests (cap {_maxRequests}) before reaching {count}.");
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    /// <summary>Stops sending, waits for the requests in flight, and returns every outcome.</summary>
    public async Task<IReadOnlyList<LoadResult>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        return _results.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunClientAsync(bool firstIsVerify)
    {
        var verify = firstIsVerify;
        while (!_stop.IsCancellationRequested && Interlocked.Increment(ref _requestsStarted) <= _maxRequests)
        {
            _results.Enqueue(verify ? await SendAsync("/verify", "match", ("image1", _photo1), ("image2", _photo2)) : await SendAsync("/embed", "faces", ("image", _photo1)));
            verify = !verify;
        }
    }

    private async Task<LoadResult> SendAsync(string path, string expectedProperty, params (string Field, byte[] Photo)[] images)
    {
        using var content = new MultipartFormDataContent();
        foreach (var (field, photo) in images)
        {
            var file = new ByteArrayContent(photo);
            file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
            content.Add(file, field, $"{field}.jpg");
        }

        using var timeout = new CancellationTokenSource(RequestTimeout);
        try
        {
            using var response = await _client.PostAsync(path, content, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            var status = (int)response.StatusCode;
            if (status != 200)
            {
                return new LoadResult(path, status, body);
            }

            // A 200 must carry a real result, not an error page passed through with the wrong status.
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty(expectedProperty, out _)
                ? new LoadResult(path, status, null)
                : new LoadResult(path, status, $"200 without '{expectedProperty}': {body}");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
        {
            return new LoadResult(path, 0, $"{ex.GetType().Name}: {ex.Message}");
        }
    }
}

/// <summary>One request's outcome: the HTTP status (0 when none came back) and, for a failure, what went wrong.</summary>
internal sealed record LoadResult(string Path, int Status, string? Problem)
{
    public bool Succeeded => Status == 200 && Problem is null;

    public override string ToString() => $"{Path} -> {Status}: {Problem}";
}
