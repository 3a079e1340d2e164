using FaceApi.Core.Scheduling;

namespace FaceApi.Core.Tests.Scheduling;

public sealed class ComputeSchedulerTests
{
    [Fact]
    public async Task Work_runs_on_its_own_threads_and_the_caller_resumes_on_the_thread_pool()
    {
        using var compute = new ComputeScheduler(threadCount: 2);

        var (name, isPoolThread) = await compute.Run(
            () => (Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread),
            TestContext.Current.CancellationToken);

        Assert.StartsWith("faceapi-compute-", name, StringComparison.Ordinal);
        Assert.False(isPoolThread);
        // The request's own code after the await must not hold a compute thread.
        Assert.True(Thread.CurrentThread.IsThreadPoolThread);
    }

    [Fact]
    public async Task A_failure_reaches_the_caller_and_the_threads_go_on()
    {
        using var compute = new ComputeScheduler(threadCount: 1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => compute.Run<int>(() => throw new InvalidOperationException("bad pixels"), TestContext.Current.CancellationToken));
        Assert.Equal(42, await compute.Run(() => 42, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Work_queued_behind_busy_threads_is_skipped_once_its_caller_gives_up()
    {
        using var compute = new ComputeScheduler(threadCount: 1);
        using var release = new ManualResetEventSlim();
        var blocker = compute.Run(release.Wait, TestContext.Current.CancellationToken);
        using var abandoned = new CancellationTokenSource();
        var ran = false;

        var queued = compute.Run(() => ran = true, abandoned.Token);
        await abandoned.CancelAsync();
        release.Set();
        await blocker;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.False(ran);
    }

    [Fact]
    public async Task Zero_threads_means_one_per_processor()
    {
        using var compute = new ComputeScheduler(threadCount: 0);

        Assert.Equal(Environment.ProcessorCount, compute.MaximumConcurrencyLevel);
        Assert.Equal(1, await compute.Run(() => 1, TestContext.Current.CancellationToken));
    }
}
