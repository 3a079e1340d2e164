using FaceApi.Core.Alignment;
using FaceApi.Core.Batching;
using FaceApi.Core.Recognition;
using FaceApi.Core.Tests.Recognition;
using FaceApi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceApi.Core.Tests.Batching;

/// <summary>The batcher over a real (tiny, dynamic-batch) IResNet model built by the test.</summary>
public sealed class EmbeddingBatcherTests : IDisposable
{
    private readonly BuiltModels _models = new();
    private readonly RecordingObserver _observer = new();

    [Fact]
    public async Task Concurrent_faces_share_one_run_when_the_batch_fills()
    {
        using var embedder = LoadEmbedder();
        // A delay no test waits out: only a full batch can run.
        await using var batcher = Create(embedder, new BatchingOptions { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.FromHours(1) });

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(i)], CancellationToken.None)))
            .WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

        Assert.Equal(1, batcher.BatchesRun);
        Assert.Equal([4], _observer.BatchSizes);
        Assert.All(results, r => Assert.Single(r));
    }

    [Fact]
    public async Task A_lone_face_runs_once_its_queue_delay_passes()
    {
        using var embedder = LoadEmbedder();
        await using var batcher = Create(embedder, new BatchingOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(200) });

        var started = System.Diagnostics.Stopwatch.StartNew();
        await batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(1)], TestContext.Current.CancellationToken);

        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(190), $"ran after {started.Elapsed.TotalMilliseconds} ms");
        Assert.Equal([1], _observer.BatchSizes);
    }

    [Fact]
    public async Task Each_batch_reports_its_gathering_and_one_delivery_after_its_last_caller_resumed()
    {
        using var embedder = LoadEmbedder();
        await using (var delayed = Create(embedder, new BatchingOptions { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.FromMilliseconds(200) }))
        {
            // A lone face: its batch gathers for the whole delay, then runs alone.
            await delayed.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(0)], TestContext.Current.CancellationToken);
        }

        var lone = Assert.Single(_observer.Starts);
        Assert.True(lone.Gather >= TimeSpan.FromMilliseconds(150), $"gathered for {lone.Gather.TotalMilliseconds} ms");
        Assert.Single(_observer.Deliveries);

        // Four callers fill a batch (a delay no test waits out): still one start and one delivery,
        // reported by the last caller to resume.
        await using var batcher = Create(embedder, new BatchingOptions { MaxBatchSize = 4, MaxQueueDelay = TimeSpan.FromHours(1) });
        await Task.WhenAll(Enumerable.Range(1, 4).Select(i => batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(i)], CancellationToken.None)))
            .WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        Assert.Equal([1, 4], _observer.BatchSizes);
        Assert.Equal(2, _observer.Starts.Count);
        Assert.Equal(2, _observer.Deliveries.Count);
        Assert.All(_observer.Starts, start => Assert.True(start.Dispatch >= TimeSpan.Zero));
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once()
    {
        using var embedder = LoadEmbedder();
        await using var batcher = Create(embedder, new BatchingOptions { MaxBatchSize = 1, QueueCapacity = 2, MaxQueueDelay = TimeSpan.FromSeconds(1) });
        var occupied = batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(0), ArcFaceEmbedderTests.RandomCrop(1)], CancellationToken.None);

        // Three faces can never fit a queue of two, whatever the first request's state. "At once"
        // means before EmbedAsync returns: the refusal must not wait for anything.
        var crops = Enumerable.Range(2, 3).Select(ArcFaceEmbedderTests.RandomCrop).ToArray();
        var refused = batcher.EmbedAsync(crops, CancellationToken.None);

        Assert.True(refused.IsFaulted, "the refusal completed synchronously");
        var error = await Assert.ThrowsAsync<QueueFullException>(() => refused);
        Assert.True(error.RetryAfter > TimeSpan.Zero);
        Assert.Contains((RejectionReason.QueueFull, 3), _observer.Rejections);
        await occupied;
    }

    [Fact]
    public async Task A_face_whose_caller_cancelled_is_dropped_before_it_is_computed()
    {
        using var embedder = LoadEmbedder();
        await using var batcher = Create(embedder, new BatchingOptions { MaxBatchSize = 8, MaxQueueDelay = TimeSpan.FromMilliseconds(300) });
        using var cancel = new CancellationTokenSource();

        var cancelled = batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(0)], cancel.Token);
        var kept = batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(1)], CancellationToken.None);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await kept;
        Assert.Equal([1], _observer.BatchSizes);
        Assert.Contains((RejectionReason.Cancelled, 1), _observer.Rejections);
    }

    [Fact]
    public async Task Results_reach_the_right_caller_in_order_under_64_concurrent_callers()
    {
        using var embedder = LoadEmbedder();
        await using var batcher = Create(embedder, new BatchingOptions { MaxBatchSize = 8, QueueCapacity = 1024 });
        var requests = Enumerable.Range(0, 64).Select(i => Enumerable.Range(0, 1 + (i % 3)).Select(j => ArcFaceEmbedderTests.RandomCrop((i * 10) + j)).ToArray()).ToArray();
        var expected = new List<FaceEmbedding[]>();
        foreach (var request in requests)
        {
            expected.Add(await embedder.EmbedAsync(request, CancellationToken.None));
        }

        var actual = await Task.WhenAll(requests.Select(r => Task.Run(() => batcher.EmbedAsync(r, CancellationToken.None))));

        for (var i = 0; i < requests.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (var j = 0; j < expected[i].Length; j++)
            {
                Assert.Equal(expected[i][j].Vector, actual[i][j].Vector, (a, b) => Math.Abs(a - b) <= 1e-4f);
            }
        }

        Assert.True(batcher.BatchesRun < requests.Sum(r => r.Length), "faces of different callers shared runs");
    }

    [Fact]
    public async Task Drain_finishes_queued_work_and_then_refuses_new_work()
    {
        using var embedder = LoadEmbedder();
        var batcher = Create(embedder, new BatchingOptions { MaxBatchSize = 2, MaxQueueDelay = TimeSpan.FromMilliseconds(50) });
        var queued = Enumerable.Range(0, 6).Select(i => batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(i)], CancellationToken.None)).ToArray();

        await batcher.DrainAsync(TestContext.Current.CancellationToken);

        // Every queued face was computed before the drain returned.
        Assert.Equal(6, _observer.BatchSizes.Sum());
        Assert.All(await Task.WhenAll(queued), result => Assert.Single(result));
        await Assert.ThrowsAsync<BatcherClosedException>(() => batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(9)], CancellationToken.None));
        await batcher.DisposeAsync();
    }

    [Fact]
    public async Task A_static_batch_model_runs_one_face_per_batch()
    {
        using var embedder = LoadEmbedder(batchSize: 1);
        await using var batcher = Create(embedder, new BatchingOptions { MaxBatchSize = 8 });

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(i)], CancellationToken.None)));

        Assert.Equal(1, batcher.MaxBatchSize);
        // Three runs of one face each, and each caller got its one embedding.
        Assert.Equal([1, 1, 1], _observer.BatchSizes);
        Assert.All(results, result => Assert.Equal(embedder.EmbeddingSize, Assert.Single(result).Vector.Length));
    }

    public void Dispose() => _models.Dispose();

    [Fact]
    public async Task Its_inference_threads_work_below_the_process_priority_they_are_given()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Nice values are Linux's.");
        using var embedder = LoadEmbedder();
        var before = ThreadNiceness.OfThreadsNamed("faceapi-inference-0").Keys;
        // A niceness no other test gives tells this batcher's thread from those of batchers made in parallel.
        var expected = ThreadNiceness.Lowered(6);

        await using var batcher = new EmbeddingBatcher(embedder, new BatchingOptions(), NullLogger<EmbeddingBatcher>.Instance, _observer, workerNiceness: 6);
        // A batch has run on the thread, so it has lowered itself by then.
        await batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(0)], TestContext.Current.CancellationToken);

        Assert.Contains(ThreadNiceness.OfThreadsNamed("faceapi-inference-0"), thread => !before.Contains(thread.Key) && thread.Value == expected);
    }

    [Fact]
    public async Task A_failure_while_a_batch_gathers_fails_that_batch_and_the_next_is_computed()
    {
        // Anything the dispatcher calls can fail (an allocation under memory pressure; here the observer):
        // it used to end the dispatcher for good, and every later face waited out its timeout.
        using var embedder = LoadEmbedder();
        _observer.FailNextDequeue = new OutOfMemoryException();
        await using var batcher = Create(embedder, new BatchingOptions { MaxBatchSize = 1, MaxQueueDelay = TimeSpan.Zero, RequestTimeout = TimeSpan.FromSeconds(2) });

        await Assert.ThrowsAsync<BatchTimeoutException>(() => batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(0)], TestContext.Current.CancellationToken));
        var after = await batcher.EmbedAsync([ArcFaceEmbedderTests.RandomCrop(1)], TestContext.Current.CancellationToken);

        Assert.Single(after);
    }

    [Fact]
    public async Task Faces_that_fail_to_queue_give_their_queue_places_back()
    {
        // The second of two faces fails as the batcher reads it (as an allocation can): the places reserved
        // for both used to stay taken, so with room for two, no pair of faces was queued again.
        using var embedder = LoadEmbedder();
        await using var batcher = Create(embedder, new BatchingOptions { MaxBatchSize = 2, QueueCapacity = 2 });
        var first = ArcFaceEmbedderTests.RandomCrop(0);

        await Assert.ThrowsAsync<OutOfMemoryException>(() => batcher.EmbedAsync(new FailingAfterFirst(first), TestContext.Current.CancellationToken));
        // The first face was queued before the second failed: the dispatcher takes it off and skips it.
        var drained = System.Diagnostics.Stopwatch.StartNew();
        while (batcher.QueueDepth > 0 && drained.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Equal(0, batcher.QueueDepth);
        var pair = await batcher.EmbedAsync([first, ArcFaceEmbedderTests.RandomCrop(1)], TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromMinutes(1), TestContext.Current.CancellationToken);
        Assert.Equal(2, pair.Length);
    }

    private EmbeddingBatcher Create(ArcFaceEmbedder embedder, BatchingOptions options) =>
        new(embedder, options, NullLogger<EmbeddingBatcher>.Instance, _observer);

    private ArcFaceEmbedder LoadEmbedder(int? batchSize = null) => _models.LoadEmbedder(IResNetSpec.Tiny with { BatchSize = batchSize });

    // Two faces, of which reading the second fails.
    private sealed class FailingAfterFirst(AlignedFace first) : IReadOnlyList<AlignedFace>
    {
        public int Count => 2;

        public AlignedFace this[int index] => index == 0 ? first : throw new OutOfMemoryException();

        public IEnumerator<AlignedFace> GetEnumerator() => throw new NotSupportedException();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class RecordingObserver : IBatcherObserver
    {
        public List<int> BatchSizes { get; } = [];

        public List<(string Reason, int Count)> Rejections { get; } = [];

        public List<(TimeSpan Gather, TimeSpan Dispatch)> Starts { get; } = [];

        public List<TimeSpan> Deliveries { get; } = [];

        public void BatchStarted(TimeSpan gather, TimeSpan dispatch)
        {
            lock (Starts)
            {
                Starts.Add((gather, dispatch));
            }
        }

        public void BatchDelivered(TimeSpan sinceRunEnd)
        {
            lock (Deliveries)
            {
                Deliveries.Add(sinceRunEnd);
            }
        }

        public void BatchCompleted(int size, TimeSpan inference)
        {
            lock (BatchSizes)
            {
                BatchSizes.Add(size);
            }
        }

        public Exception? FailNextDequeue { get; set; }

        public void FaceDequeued(TimeSpan wait)
        {
            if (FailNextDequeue is { } failure)
            {
                FailNextDequeue = null;
                throw failure;
            }
        }

        public void FacesRejected(string reason, int count)
        {
            lock (Rejections)
            {
                Rejections.Add((reason, count));
            }
        }
    }
}
