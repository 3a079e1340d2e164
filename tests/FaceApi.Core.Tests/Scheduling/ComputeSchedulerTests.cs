using FaceApi.Core.Scheduling;
using FaceApi.Testing;

namespace FaceApi.Core.Tests.Scheduling;

public sealed class ComputeSchedulerTests
{
    [Fact]
    public async Task Work_runs_on_its_own_threads_and_what_follows_it_runs_on_the_thread_pool()
    {
        using var compute = new ComputeScheduler(threadCount: 2);

        // A continuation that asks to run synchronously would run on the thread that finished the work,
        // unless the work's task sends continuations elsewhere: request code must not hold a compute thread.
        var (name, isPoolThread, continuedOnPool) = await compute.Run(() => (Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread), TestContext.Current.CancellationToken)
            .ContinueWith(
                work => (work.Result.Name, work.Result.IsThreadPoolThread, Thread.CurrentThread.IsThreadPoolThread),
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);

        Assert.StartsWith("faceapi-compute-", name, StringComparison.Ordinal);
        Assert.False(isPoolThread);
        Assert.True(continuedOnPool);
    }

    [Fact]
    public async Task Tasks_started_inside_the_work_go_to_the_thread_pool_not_behind_the_thread_that_waits_for_them()
    {
        // Library code (ImageSharp's row-parallel loops) starts tasks on TaskScheduler.Current and waits
        // for them; with this one thread as the current scheduler, it would wait for itself for ever.
        using var compute = new ComputeScheduler(threadCount: 1);

        var (current, childOnPool) = await compute.Run(
            () => (TaskScheduler.Current, Task.Factory.StartNew(() => Thread.CurrentThread.IsThreadPoolThread, TestContext.Current.CancellationToken).Result),
            TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Same(TaskScheduler.Default, current);
        Assert.True(childOnPool);
    }

    [Fact]
    public async Task Its_threads_work_the_given_nice_steps_below_the_process_so_request_threads_come_first()
    {
        using var compute = new ComputeScheduler(threadCount: 1, niceness: 3);

        Assert.SkipUnless(OperatingSystem.IsLinux(), "Nice values are Linux's; elsewhere the threads are only marked below normal.");

        var workers = await compute.Run(ThreadNiceness.OfCurrentThread, TestContext.Current.CancellationToken);

        Assert.Equal(ThreadNiceness.Lowered(3), workers);
    }

    [Fact]
    public async Task Without_niceness_its_threads_keep_the_process_priority()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Nice values are Linux's.");
        using var compute = new ComputeScheduler(threadCount: 1);

        var workers = await compute.Run(ThreadNiceness.OfCurrentThread, TestContext.Current.CancellationToken);

        Assert.Equal(ThreadNiceness.OfProcess(), workers);
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

    [Fact]
    public async Task Disposing_runs_what_is_queued_and_a_second_dispose_does_nothing()
    {
        var compute = new ComputeScheduler(threadCount: 1);
        using var release = new ManualResetEventSlim();
        var blocker = compute.Run(release.Wait, TestContext.Current.CancellationToken);
        var queued = compute.Run(() => 7, TestContext.Current.CancellationToken);

        release.Set();
        compute.Dispose();
        compute.Dispose();

        await blocker;
        Assert.Equal(7, await queued);
    }
}
