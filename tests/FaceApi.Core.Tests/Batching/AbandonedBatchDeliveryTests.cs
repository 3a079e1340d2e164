using FaceApi.Core.Batching;
using FaceApi.Core.Tests.Recognition;
using FaceApi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceApi.Core.Tests.Batching;

/// <summary>
/// A caller that gives up after some of its faces were computed must still let their batch complete:
/// otherwise faceapi_batch_respond_seconds loses exactly the slow batches.
/// </summary>
public sealed class AbandonedBatchDeliveryTests : IDisposable
{
    private readonly BuiltModels _models = new();

    [Fact]
    public async Task A_cancelled_caller_still_delivers_the_batch_its_computed_face_ran_in()
    {
        using var embedder = _models.LoadEmbedder(IResNetSpec.Tiny);
        using var observer = new SecondBatchGate();
        // One face per batch, one batch at a time: the caller's two faces run as batch 1, then batch 2.
        await using var batcher = new EmbeddingBatcher(
            embedder,
            new BatchingOptions { MaxBatchSize = 1, MaxConcurrentBatches = 1, MaxQueueDelay = TimeSpan.Zero },
            NullLogger<EmbeddingBatcher>.Instance,
            observer);
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var request = batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(0), ArcFaceEmbedderTests.RandomCrop(1)], caller.Token);
        // Batch 1 has computed the first face; batch 2 is held before its run. The caller gives up now.
        await observer.SecondBatchStarted.Task.WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        observer.Release.Set();

        // The drain waits for batch 2's run. Batch 1 is delivered by the giving-up caller, batch 2 by
        // its run (nobody waits for its face any more); neither twice.
        await batcher.DrainAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, observer.Deliveries);
    }

    public void Dispose() => _models.Dispose();

    /// <summary>Holds the second batch before its run, and counts deliveries.</summary>
    private sealed class SecondBatchGate : IBatcherObserver, IDisposable
    {
        private int _starts;
        private int _deliveries;

        public TaskCompletionSource SecondBatchStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ManualResetEventSlim Release { get; } = new();

        public int Deliveries => Volatile.Read(ref _deliveries);

        public void BatchStarted(TimeSpan gather, TimeSpan dispatch)
        {
            if (Interlocked.Increment(ref _starts) == 2)
            {
                // Called on the inference thread before the run: blocking here holds batch 2.
                SecondBatchStarted.SetResult();
                Release.Wait(TimeSpan.FromMinutes(1));
            }
        }

        public void BatchDelivered(TimeSpan sinceRunEnd) => Interlocked.Increment(ref _deliveries);

        public void BatchCompleted(int size, TimeSpan inference)
        {
        }

        public void FaceDequeued(TimeSpan wait)
        {
        }

        public void FacesRejected(string reason, int count)
        {
        }

        public void Dispose() => Release.Dispose();
    }
}
