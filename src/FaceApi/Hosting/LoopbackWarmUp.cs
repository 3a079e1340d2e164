using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using FaceApi.Models;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace FaceApi.Hosting;

/// <summary>
/// Once the models are ready, sends the server a burst of cheap requests over loopback that it refuses
/// (<c>POST /embed</c> with a text body: 415 <c>unsupported_media_type</c>, after the same pipeline,
/// readiness and load check, and written by the same problem writer as a load-shed refusal), so that the first real burst of a
/// fresh process does not find connections, buffers, threads and the request path's code cold. The
/// requests are marked (<see cref="WarmUpRequests"/>): no log line, metric series or rate limit counts them.
/// With API keys configured they are answered 401 before the endpoint (the warm-up does not pass the
/// key check), which warms less. The server must speak HTTP/1.1 on a plain-HTTP address.
/// </summary>
/// <remarks>
/// Issue 13 bounds refusals in a photo burst to 100 ms. Sent by <c>hey</c> before the first burst of
/// 200 four-face photos (<c>deploy/attacks/burst.py</c>), 400 such requests 200 at a time brought the
/// refusals' p50 from 42-108 to 10-61 ms and p99 from 76-154 to 27-127 ms (9 interleaved runs each way,
/// 2-core development VM, 2 December 2026); as many <c>GET /health/live</c> requests did not help, and
/// 100, 50 at a time, helped less. Sent by the service itself, p50 median 100 to 51 ms and p99 median
/// 132 to 105 ms over 9 runs each way (README, Operating it). About half a second of CPU, once.
/// </remarks>
public sealed class LoopbackWarmUp(IServer server, IHostApplicationLifetime lifetime, FaceEngine engine, WarmUpRequests warmUps, ILogger<LoopbackWarmUp> logger)
    : BackgroundService
{
    private const int Requests = 400;
    private const int AtOnce = 200;

    // How often readiness is looked at until the models are loaded, which takes seconds.
    private static readonly TimeSpan ReadinessPoll = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The server stops listening before this service's token is cancelled: a warm-up still running
        // then ends quietly, without a warning for the requests the stopping server refused.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        try
        {
            await StartedAsync(stopping.Token);
            if (Target(server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []) is not { } target)
            {
                logger.LogDebug("No plain-HTTP address to warm the request path through");
                return;
            }

            using var readiness = new PeriodicTimer(ReadinessPoll);
            while (!engine.IsReady && await readiness.WaitForNextTickAsync(stopping.Token))
            {
            }

            var started = Stopwatch.GetTimestamp();
            var answers = await SendAsync(target, stopping.Token);
            logger.LogInformation("Request path warmed over loopback: {Requests} requests answered {Answers} in {Milliseconds:0} ms",
                Requests, answers, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // Stopping: a process on its way out has nothing to warm up for.
        }
        catch (Exception exception)
        {
            // A speed-up only: the service serves without it, its first burst a little slower.
            logger.LogWarning(exception, "The start-up warm-up of the request path failed");
        }
    }

    /// <summary>The first plain-HTTP address the server listens on, as a loopback address; null if none.</summary>
    internal static Uri? Target(IEnumerable<string> addresses)
    {
        foreach (var address in addresses)
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            {
                continue;
            }

            if (uri.IsLoopback)
            {
                return uri;
            }

            // Kestrel reports a wildcard binding as 0.0.0.0 or [::]; its [::] socket is dual-mode, so both
            // answer on 127.0.0.1, which exists where IPv6 is switched off (some container hosts).
            if (IPAddress.TryParse(uri.Host, out var ip) && (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)))
            {
                return new UriBuilder(uri) { Host = IPAddress.Loopback.ToString() }.Uri;
            }
        }

        return null;
    }

    // Hosted services start before the server listens; ApplicationStarted comes once it does.
    private async Task StartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
    }

    /// <summary>Sends the requests; returns the statuses they were answered with, e.g. "415 x400".</summary>
    private async Task<string> SendAsync(Uri target, CancellationToken stoppingToken)
    {
        var statuses = new ConcurrentDictionary<int, int>();
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = AtOnce })
        {
            BaseAddress = target,
        };
        var token = warmUps.Token;
        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = AtOnce, CancellationToken = stoppingToken },
            async (_, cancellationToken) =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = new StringContent("warm-up") };
                request.Headers.Add(WarmUpRequests.HeaderName, token);
                using var response = await client.SendAsync(request, cancellationToken);
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, count) => count + 1);
            });
        return string.Join(", ", statuses.OrderBy(status => status.Key).Select(status => $"{status.Key} x{status.Value}"));
    }
}
