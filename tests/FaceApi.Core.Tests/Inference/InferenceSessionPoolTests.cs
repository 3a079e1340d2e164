using FaceApi.Core.Inference;
using FaceApi.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceApi.Core.Tests.Inference;

public sealed class InferenceSessionPoolTests
{
    [Fact]
    public void Without_cuda_libraries_the_pool_falls_back_to_cpu_and_says_why_once()
    {
        var model = TestData.Require("models/mobilefacenet.onnx");
        var logger = new RecordingLogger();

        // The default chain asks for CUDA. On a machine without CUDA 13 / cuDNN 9 (CI, this project's
        // build machines) it must fall back and report it; where CUDA loads, it must report nothing.
        using var pool = InferenceSessionPool.Load(model, new InferenceOptions { PoolSize = 2 }, logger);

        var warnings = logger.Entries.Where(m => m.Level == LogLevel.Warning).ToList();
        if (pool.Provider == ExecutionProvider.Cuda)
        {
            Assert.Null(pool.CudaFallbackReason);
            Assert.Empty(warnings);
            return;
        }

        Assert.Equal(ExecutionProvider.Cpu, pool.Provider);
        Assert.False(string.IsNullOrWhiteSpace(pool.CudaFallbackReason));
        var warning = Assert.Single(warnings); // once for the pool, not once per session
        Assert.Contains("running on CPU", warning.Message, StringComparison.Ordinal);
        Assert.Contains(pool.CudaFallbackReason, warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Onnx_runtime_threads_inherit_the_lowered_priority_of_the_thread_that_creates_the_session()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Nice values are Linux's; elsewhere only the creating thread is lowered.");
        var model = TestData.Require("models/mobilefacenet.onnx");
        // Two intra-op threads: ONNX Runtime starts one thread of its own beside the caller's, per session.
        // A niceness no other test uses tells this pool's threads from those of pools loaded in parallel.
        var options = new InferenceOptions { Providers = [ExecutionProvider.Cpu], PoolSize = 2, CpuIntraOpThreads = 2, ComputeNiceness = 7 };
        var before = ThreadNiceness.OfThreadsNamed("faceapi-onnxrt").Keys;

        using var pool = InferenceSessionPool.Load(model, options, NullLogger.Instance);

        // Linux names a new thread after the one that creates it, so ONNX Runtime's threads carry the
        // creating thread's name; that thread has ended, though its entry may linger for a moment.
        var lowered = ThreadNiceness.Lowered(7);
        List<int> Started() => [.. ThreadNiceness.OfThreadsNamed("faceapi-onnxrt").Where(thread => !before.Contains(thread.Key) && thread.Value == lowered).Select(thread => thread.Key)];
        var started = Started();
        for (var polls = 0; started.Count != options.PoolSize && polls < 100; polls++)
        {
            Thread.Sleep(50);
            started = Started();
        }

        Assert.Equal(options.PoolSize, started.Count);
    }

    [Fact]
    public void Require_gpu_turns_the_fallback_into_an_error_that_carries_the_reason()
    {
        var model = TestData.Require("models/mobilefacenet.onnx");
        var options = new InferenceOptions { RequireGpu = true };

        try
        {
            using var pool = InferenceSessionPool.Load(model, options, new RecordingLogger());
            Assert.Equal(ExecutionProvider.Cuda, pool.Provider); // only where CUDA really loads
        }
        catch (GpuUnavailableException error)
        {
            Assert.False(string.IsNullOrWhiteSpace(error.Reason));
            Assert.Contains(error.Reason, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_cpu_only_chain_never_tries_cuda()
    {
        var model = TestData.Require("models/mobilefacenet.onnx");
        var logger = new RecordingLogger();

        using var pool = InferenceSessionPool.Load(model, new InferenceOptions { Providers = [ExecutionProvider.Cpu] }, logger);

        Assert.Equal(ExecutionProvider.Cpu, pool.Provider);
        Assert.Null(pool.CudaFallbackReason);
        Assert.DoesNotContain(logger.Entries, m => m.Level == LogLevel.Warning);
    }
}
