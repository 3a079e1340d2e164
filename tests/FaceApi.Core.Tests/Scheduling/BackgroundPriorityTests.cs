using FaceApi.Core.Inference;
using FaceApi.Core.Scheduling;
using FaceApi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceApi.Core.Tests.Scheduling;

public sealed class BackgroundPriorityTests
{
    [Fact]
    public void Threads_started_by_a_lowered_thread_inherit_its_priority_on_linux()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Nice values are Linux's.");
        var callerBefore = ThreadNiceness.OfCurrentThread();

        // What an ONNX Runtime session does when it starts its intra-op threads.
        var childNice = BackgroundPriority.CreateOnLoweredThread("test-lowered", () =>
        {
            var nice = 0;
            var child = new Thread(() => nice = ThreadNiceness.OfCurrentThread());
            child.Start();
            child.Join();
            return nice;
        });

        Assert.Equal(BackgroundPriority.LinuxNiceValue, childNice);
        Assert.Equal(callerBefore, ThreadNiceness.OfCurrentThread()); // the caller is left as it was
    }

    [Fact]
    public void A_cpu_session_pool_runs_its_intra_op_threads_below_the_request_threads()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Nice values and thread names in procfs are Linux's.");
        var model = TestData.Require("models/mobilefacenet.onnx");

        using var pool = InferenceSessionPool.Load(model, new InferenceOptions { CpuIntraOpThreads = 3 }, NullLogger.Instance);

        // Three intra-op threads: the caller's and two that ONNX Runtime starts, named after the creating thread.
        var started = ThreadNiceness.OfThreadsNamed("onnx-intra-op");
        Assert.True(started.Count >= 2, $"expected ONNX Runtime's intra-op threads, found {started.Count}");
        Assert.All(started, nice => Assert.Equal(BackgroundPriority.LinuxNiceValue, nice));
    }

    [Fact]
    public void A_failure_while_creating_reaches_the_caller()
    {
        var failure = Assert.Throws<FileNotFoundException>(() =>
            BackgroundPriority.CreateOnLoweredThread<int>("test-lowered", () => throw new FileNotFoundException("no model")));

        Assert.Equal("no model", failure.Message);
    }
}
