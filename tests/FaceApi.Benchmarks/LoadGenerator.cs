using System.Diagnostics;
using FaceApi.Testing;

namespace FaceApi.Benchmarks;

/// <summary>
/// Closed-loop HTTP load: <c>concurrency</c> workers each send a request, wait for its answer and
/// send the next, cycling through pre-encoded bodies. The same load runs through a warm-up period
/// and then a measured window, so the window sees a steady queue; requests still in flight when the
/// window closes are cancelled and not counted.
/// </summary>
internal sealed class LoadGenerator(HttpClient client, ServiceProcess service)
{
    public async Task<LoadMeasurement> RunAsync(string pathAndQuery, IReadOnlyList<RequestBody> bodies, int concurrency, TimeSpan warmUp, TimeSpan duration)
    {
        var endpoint = new Uri(service.Address, pathAndQuery);
        var windowStart = Stopwatch.GetTimestamp() + ToTicks(warmUp);
        var windowEnd = windowStart + ToTicks(duration);
        using var stop = new CancellationTokenSource();
        var outcomes = new List<RequestOutcome>[concurrency];
        var workers = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            var mine = outcomes[w] = [];
            var first = w;
            workers[w] = Task.Run(() => WorkAsync(endpoint, bodies, first, mine, stop.Token));
        }

        await Task.Delay(Remaining(windowStart));
        var before = await ResourceSnapshot.TakeAsync(service, client);
        await Task.Delay(Remaining(windowEnd));
        var after = await ResourceSnapshot.TakeAsync(service, client);
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var inWindow = outcomes.SelectMany(list => list)
            .Where(outcome => outcome.CompletedAt >= before.Timestamp && outcome.CompletedAt <= after.Timestamp)
            .ToArray();
        return new LoadMeasurement(concurrency, before, after, inWindow);
    }

    private async Task WorkAsync(Uri endpoint, IReadOnlyList<RequestBody> bodies, int first, List<RequestOutcome> outcomes, CancellationToken stop)
    {
        for (var i = first; !stop.IsCancellationRequested; i++)
        {
            var started = Stopwatch.GetTimestamp();
            int status;
            try
            {
                using var content = bodies[i % bodies.Count].ToContent();
                using var response = await client.PostAsync(endpoint, content, stop);
                // The body is read to the end, as a real client would; its contents are not checked here.
                await response.Content.CopyToAsync(Stream.Null, stop);
                status = (int)response.StatusCode;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                status = 0; // connection-level failure
            }

            var completed = Stopwatch.GetTimestamp();
            outcomes.Add(new RequestOutcome(completed, Stopwatch.GetElapsedTime(started, completed), status));
        }
    }

    private static long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

    private static TimeSpan Remaining(long timestamp)
    {
        var ticks = timestamp - Stopwatch.GetTimestamp();
        return ticks > 0 ? TimeSpan.FromSeconds((double)ticks / Stopwatch.Frequency) : TimeSpan.Zero;
    }
}
