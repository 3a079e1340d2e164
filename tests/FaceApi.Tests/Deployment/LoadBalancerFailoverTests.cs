using System.Diagnostics;
using FaceApi.Testing;

namespace FaceApi.Tests.Deployment;

/// <summary>
/// The compose deployment without Docker: two FaceApi processes on loopback ports behind Debian's
/// nginx running the shipped deploy/nginx/faceapi.conf, under steady /embed and /verify load, and
/// one replica going away mid-run. The load balancer's retries (proxy_next_upstream) must hide it
/// from every client.
/// </summary>
[Collection(nameof(LoadBalancerCollection))]
public sealed class LoadBalancerFailoverTests : IAsyncDisposable
{
    // FaceApi:Shutdown:ReadinessDrainDelay of both replicas: many 100 ms readiness polls long, and
    // long enough that load keeps arriving at the stopping replica while it lasts.
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    // Loading and warming the small test models takes about 3 s alone; two at once on a busy
    // two-core machine, far longer.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan PhaseTimeout = TimeSpan.FromSeconds(60);

    // Four clients keep both replicas busy under least_conn; the counts keep a run to seconds.
    private const int Clients = 4;
    private const int WarmUpRequests = 16;
    private const int RequestsAfterExit = 16;
    private const int MaxRequests = 2000;

    private readonly Stack<IAsyncDisposable> _cleanup = new();
    private readonly HttpClient _client = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _readyAt;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact(Timeout = 180_000)]
    public async Task Stopping_a_replica_with_SIGTERM_under_load_fails_no_request_and_its_readiness_turns_503_before_its_port_closes()
    {
        var (victim, survivor, nginx, load) = await StartLoadThroughTwoReplicasAsync();
        var poller = Track(ReadinessPoller.Start(victim.ReadinessUri, PollInterval, _clock));
        await WaitForReadySampleAsync(poller);

        var signalledAt = _clock.Elapsed;
        victim.Child.Signal(ChildProcess.SigTerm);
        Assert.True(await victim.Child.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"The replica did not exit within 30 s of SIGTERM.{Environment.NewLine}{victim.Child.OutputTail}");
        var exitedAt = _clock.Elapsed;
        await load.WaitForCompletedAsync(load.Completed + RequestsAfterExit, PhaseTimeout, Cancellation);

        var results = await load.StopAsync();
        var samples = await poller.StopAsync();
        Report(results, nginx, $"SIGTERM at {signalledAt.TotalSeconds:F2}s, exit at {exitedAt.TotalSeconds:F2}s; readiness: {string.Join(", ", Transitions(samples))}");

        AssertNoFailedRequest(results, nginx, victim, survivor);
        AssertFailoverHappened(nginx, victim);
        Assert.True(victim.Child.ExitCode == 0, $"Exit code {victim.Child.ExitCode} after SIGTERM: the shutdown was not graceful.{Environment.NewLine}{victim.Child.OutputTail}");

        var answered = samples.Where(sample => sample.State != ReadinessState.NoAnswer).ToArray();
        var firstNotReady = answered.FirstOrDefault(sample => sample.State == ReadinessState.NotReady);
        var firstUnreachable = answered.FirstOrDefault(sample => sample.State == ReadinessState.Unreachable);
        var trail = $"Readiness polls: {string.Join(", ", Transitions(samples))}";
        Assert.True(firstNotReady is not null, $"Readiness never answered 503. {trail}");
        Assert.True(firstUnreachable is not null, $"The port never closed. {trail}");
        Assert.True(firstNotReady.At < firstUnreachable.At, $"The port closed before readiness turned 503. {trail}");
        Assert.True(answered.TakeWhile(sample => sample != firstNotReady).All(sample => sample.State == ReadinessState.Ready), $"Readiness was not 200 until it turned 503. {trail}");
        Assert.True(answered.SkipWhile(sample => sample != firstNotReady).TakeWhile(sample => sample != firstUnreachable).All(sample => sample.State == ReadinessState.NotReady), $"Readiness was not 503 until the port closed. {trail}");
        // The 503 window is the drain delay, not a blip. Half of it, because each poll's own
        // latency on a busy machine blurs where the window starts and ends.
        Assert.True(firstUnreachable.At - firstNotReady.At >= DrainDelay / 2, $"Readiness was 503 for much less than the {DrainDelay} drain delay. {trail}");
    }

    [Fact(Timeout = 180_000)]
    public async Task Killing_a_replica_under_load_fails_no_request()
    {
        var (victim, survivor, nginx, load) = await StartLoadThroughTwoReplicasAsync();

        // SIGKILL: a crash, with requests in flight and no readiness change; nginx sees resets and
        // then refused connections, both `error` in proxy_next_upstream.
        var killedAt = _clock.Elapsed;
        victim.Child.Signal(ChildProcess.SigKill);
        Assert.True(await victim.Child.WaitForExitAsync(TimeSpan.FromSeconds(10)), "The replica survived SIGKILL.");
        await load.WaitForCompletedAsync(load.Completed + RequestsAfterExit, PhaseTimeout, Cancellation);

        var results = await load.StopAsync();
        Report(results, nginx, $"SIGKILL at {killedAt.TotalSeconds:F2}s");

        AssertNoFailedRequest(results, nginx, victim, survivor);
        AssertFailoverHappened(nginx, victim);
    }

    public async ValueTask DisposeAsync()
    {
        // Clients first, then nginx, then the replicas: the reverse of starting them.
        while (_cleanup.TryPop(out var running))
        {
            await running.DisposeAsync();
        }

        _client.Dispose();
    }

    /// <summary>
    /// Two replicas, nginx in front, and clients sending through nginx until both replicas have
    /// served requests. The first replica returned is the one to stop.
    /// </summary>
    private async Task<(ServiceReplica Victim, ServiceReplica Survivor, NginxLoadBalancer Nginx, SteadyLoad Load)> StartLoadThroughTwoReplicasAsync()
    {
        var nginxExecutable = RequireNginx();
        var photo1 = TestData.ReadFacePhoto("john1.jpeg");
        var photo2 = TestData.ReadFacePhoto("john2.jpeg");

        var victim = Track(ServiceReplica.Start("replica-a", DrainDelay));
        var survivor = Track(ServiceReplica.Start("replica-b", DrainDelay));
        await Task.WhenAll(victim.WaitUntilReadyAsync(StartTimeout, Cancellation), survivor.WaitUntilReadyAsync(StartTimeout, Cancellation));
        _readyAt = _clock.Elapsed;
        var nginx = Track(await NginxLoadBalancer.StartAsync(nginxExecutable, [victim.Address, survivor.Address], Cancellation));

        _client.BaseAddress = nginx.BaseAddress;
        var load = Track(SteadyLoad.Start(_client, photo1, photo2, Clients, MaxRequests));
        await load.WaitForCompletedAsync(WarmUpRequests, PhaseTimeout, Cancellation);
        foreach (var replica in new[] { victim, survivor })
        {
            Assert.True(
                nginx.ReadAccessLog().Any(entry => entry.Status == 200 && entry.Upstreams.Contains(replica.Address)),
                $"nginx sent no request to {replica.Address} during the warm-up: the test would not exercise balancing.");
        }

        return (victim, survivor, nginx, load);
    }

    private static string RequireNginx()
    {
        var nginx = NginxLoadBalancer.FindExecutable();
        if (nginx is null)
        {
            CiEnvironment.MissingPrerequisite("nginx is not installed (Debian: apt-get install nginx); the load-balancer test runs it in front of two replicas.");
        }

        return nginx;
    }

    private static async Task WaitForReadySampleAsync(ReadinessPoller poller)
    {
        var deadline = Stopwatch.StartNew();
        while (!poller.Samples.Any(sample => sample.State == ReadinessState.Ready))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"The poller never saw the replica ready: {string.Join(", ", poller.Samples)}");
            await Task.Delay(PollInterval, Cancellation);
        }
    }

    private static void AssertNoFailedRequest(IReadOnlyList<LoadResult> results, NginxLoadBalancer nginx, params ServiceReplica[] replicas)
    {
        var failures = results.Where(result => !result.Succeeded).ToArray();
        if (failures.Length > 0)
        {
            Assert.Fail(string.Join(
                Environment.NewLine,
                [
                    $"{failures.Length} of {results.Count} requests through nginx failed; first ones:",
                    .. failures.Take(10).Select(failure => failure.ToString()),
                    nginx.OutputTail,
                    .. replicas.Select(replica => replica.Child.OutputTail),
                ]));
        }
    }

    /// <summary>The stopped replica's loss really reached nginx and was retried, so the test exercised the failover.</summary>
    private static void AssertFailoverHappened(NginxLoadBalancer nginx, ServiceReplica victim)
    {
        var log = nginx.ReadAccessLog();
        Assert.All(log, entry => Assert.Equal(200, entry.Status));
        Assert.Contains(log, entry => entry.WasRetried && entry.Upstreams[0] == victim.Address);
    }

    private void Report(IReadOnlyList<LoadResult> results, NginxLoadBalancer nginx, string events)
    {
        var log = nginx.ReadAccessLog();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Replicas ready at {_readyAt.TotalSeconds:F1}s; {results.Count} requests through nginx until {_clock.Elapsed.TotalSeconds:F1}s, {results.Count(result => result.Succeeded)} answered 200; " +
            $"nginx retried {log.Count(entry => entry.WasRetried)} ({string.Join("; ", log.Where(entry => entry.WasRetried).Select(entry => string.Join(",", entry.UpstreamStatuses)).Distinct())}). {events}");
    }

    /// <summary>Readiness samples collapsed to their changes: "0.10s Ready, 5.32s NotReady, 8.41s Unreachable".</summary>
    private static IEnumerable<ReadinessSample> Transitions(IReadOnlyList<ReadinessSample> samples) =>
        samples.Where((sample, i) => i == 0 || samples[i - 1].State != sample.State);

    private T Track<T>(T running)
        where T : IAsyncDisposable
    {
        _cleanup.Push(running);
        return running;
    }
}
