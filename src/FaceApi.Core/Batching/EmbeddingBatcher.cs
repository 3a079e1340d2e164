using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using FaceApi.Core.Alignment;
using FaceApi.Core.Inference;
using FaceApi.Core.Recognition;
using FaceApi.Core.Scheduling;
using Microsoft.Extensions.Logging;

namespace FaceApi.Core.Batching;

/// <summary>
/// A bounded queue of aligned faces in front of a recognition model. One dispatcher waits for a free
/// worker, then gathers faces until the batch is full or its first face has waited
/// <see cref="BatchingOptions.MaxQueueDelay"/>, and hands the batch to the worker. While every worker
/// is busy, faces accumulate, so batches grow with load.
/// </summary>
/// <remarks>
/// Workers are dedicated threads, one per concurrent batch, not thread-pool work items: a model
/// run blocks its thread for the whole run (hundreds of milliseconds on CPU), and on a 2-core
/// machine runs on pool threads delayed even /health/ready by over a second under load.
/// </remarks>
public sealed class EmbeddingBatcher : IEmbeddingBatcher, IAsyncDisposable
{
    // Retry-After is whole seconds (RFC 9110 §10.2.3); one second is the shortest hint it can give.
    // A full queue of 256 faces drains in well under a second on a GPU (about 5900 faces/s measured
    // on an H200) but takes about ten on two CPU cores (25 faces/s), where clients back off further.
    private static readonly TimeSpan RetryAfterHint = TimeSpan.FromSeconds(1);

    private readonly ArcFaceEmbedder _embedder;
    private readonly BatchingOptions _options;
    private readonly IBatcherObserver? _observer;
    private readonly ILogger _logger;
    private readonly Channel<PendingFace> _queue;
    private readonly SemaphoreSlim _freeWorkers;
    private readonly Task _dispatcher;
    private readonly BlockingCollection<FaceBatch> _batches = [];
    private readonly Thread[] _workers;
    private int _queued;
    private long _batchesRun;
    private int _closed;

    // The dispatcher's timer for MaxQueueDelay, reset and reused while it has not fired: a new
    // CancellationTokenSource per gather would create and schedule a timer for every batch.
    private CancellationTokenSource _gatherDelay = new();

    /// <summary>
    /// Starts the dispatcher over <paramref name="embedder"/> (which it does not own), its inference
    /// threads <paramref name="workerNiceness"/> nice steps below the process (<see cref="ComputeThreadPriority"/>).
    /// </summary>
    public EmbeddingBatcher(ArcFaceEmbedder embedder, BatchingOptions options, ILogger<EmbeddingBatcher> logger, IBatcherObserver? observer = null, int workerNiceness = 0)
    {
        ArgumentNullException.ThrowIfNull(embedder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        _embedder = embedder;
        _options = options;
        _observer = observer;
        _logger = logger;
        MaxBatchSize = embedder.FixedBatchSize ?? options.MaxBatchSize ?? (embedder.Provider == ExecutionProvider.Cuda ? 32 : 8);
        MaxConcurrentBatches = options.MaxConcurrentBatches ?? embedder.ConcurrentRuns;
        QueueCapacity = options.QueueCapacity;
        _queue = Channel.CreateBounded<PendingFace>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true });
        _freeWorkers = new SemaphoreSlim(MaxConcurrentBatches, MaxConcurrentBatches);
        _workers = new Thread[MaxConcurrentBatches];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = ComputeThreadPriority.StartThread($"faceapi-inference-{i}", workerNiceness, RunBatches);
        }

        _dispatcher = Task.Run(DispatchAsync);
    }

    /// <summary>Most faces per model run.</summary>
    public int MaxBatchSize { get; }

    /// <inheritdoc />
    public int MaxConcurrentBatches { get; }

    /// <inheritdoc />
    public int QueueCapacity { get; }

    /// <inheritdoc />
    public int QueueDepth => Volatile.Read(ref _queued);

    /// <inheritdoc />
    public long BatchesRun => Interlocked.Read(ref _batchesRun);

    /// <inheritdoc />
    public async Task<FaceEmbedding[]> EmbedAsync(IReadOnlyList<AlignedFace> faces, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (Volatile.Read(ref _closed) != 0)
        {
            throw new BatcherClosedException();
        }

        if (faces.Count == 0)
        {
            return [];
        }

        cancellationToken.ThrowIfCancellationRequested();
        Reserve(faces.Count);
        var pending = Array.Empty<PendingFace>();
        var written = 0;
        try
        {
            pending = new PendingFace[faces.Count];
            for (; written < pending.Length; written++)
            {
                pending[written] = new PendingFace(faces[written]);
                if (!_queue.Writer.TryWrite(pending[written]))
                {
                    // Only shutdown closes the writer; the reservation guarantees room otherwise.
                    throw new BatcherClosedException();
                }
            }
        }
        catch (Exception exception)
        {
            // The faces not queued give their places back, and those queued fail with them (the dispatcher
            // skips them). Shutdown, or an allocation that fails under memory pressure, which used to keep
            // the places reserved for good: enough such failures and every face was refused queue_full.
            Interlocked.Add(ref _queued, -(faces.Count - written));
            FailRemaining(pending.AsSpan(0, written), exception);
            throw;
        }

        var all = Task.WhenAll(pending.Select(p => p.Completion.Task));
        try
        {
            return await all.WaitAsync(_options.RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Faces still queued are skipped by the dispatcher once their completion is set.
            FailRemaining(pending, new BatchTimeoutException(_options.RequestTimeout));
            throw new BatchTimeoutException(_options.RequestTimeout);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            foreach (var face in pending)
            {
                face.Completion.TrySetCanceled(cancellationToken);
            }

            throw;
        }
        finally
        {
            // Runs after the catches have failed every face not yet computed, so each face is settled:
            // a face with a result was delivered by its run's TrySetResult and counts here, even when this
            // caller gave up over a slower face; a face the caller failed first is counted by its run
            // (Run's failed TrySetResult). Each face is thus delivered exactly once, and a batch that
            // served a timed-out caller still completes and reports its respond time.
            foreach (var face in pending)
            {
                if (face.Completion.Task.IsCompletedSuccessfully)
                {
                    Deliver(face.Batch!);
                }
            }
        }
    }

    /// <summary>
    /// Stops taking work, computes every face already queued, and waits for running batches.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _queue.Writer.TryComplete();
        }

        await _dispatcher.WaitAsync(cancellationToken).ConfigureAwait(false);
        _batches.CompleteAdding();
        for (var i = 0; i < MaxConcurrentBatches; i++)
        {
            await _freeWorkers.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        _freeWorkers.Release(MaxConcurrentBatches);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await DrainAsync(CancellationToken.None).ConfigureAwait(false);
        foreach (var worker in _workers)
        {
            worker.Join();
        }

        _batches.Dispose();
        _freeWorkers.Dispose();
        _gatherDelay.Dispose();
    }

    private void Reserve(int count)
    {
        while (true)
        {
            var queued = Volatile.Read(ref _queued);
            if (queued + count > QueueCapacity)
            {
                _observer?.FacesRejected(RejectionReason.QueueFull, count);
                throw new QueueFullException(RetryAfterHint);
            }

            if (Interlocked.CompareExchange(ref _queued, queued + count, queued) == queued)
            {
                return;
            }
        }
    }

    private static void FailRemaining(ReadOnlySpan<PendingFace> faces, Exception error)
    {
        foreach (var face in faces)
        {
            face.Completion.TrySetException(error);
        }
    }

    private async Task DispatchAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await _freeWorkers.WaitAsync().ConfigureAwait(false);
            FaceBatch? batch = null;
            try
            {
                batch = await GatherAsync(reader).ConfigureAwait(false);
                if (batch.Faces.Count == 0)
                {
                    _freeWorkers.Release();
                    continue;
                }

                _batches.Add(batch);
            }
            catch (Exception exception)
            {
                // One failure here (an allocation under memory pressure, an observer) used to end this
                // loop for good while readiness still said ready: every later face waited out its timeout.
                // The faces of this batch fail with it (those gathered before it was returned time out);
                // the next batch is gathered as usual.
                _logger.LogError(exception, "Gathering a batch failed");
                if (batch is not null)
                {
                    FailRemaining(CollectionsMarshal.AsSpan(batch.Faces), exception);
                }

                _freeWorkers.Release();
            }
        }
    }

    private async Task<FaceBatch> GatherAsync(ChannelReader<PendingFace> reader)
    {
        var batch = new FaceBatch(MaxBatchSize);
        var faces = batch.Faces;
        long? firstQueuedAt = null;
        while (faces.Count < MaxBatchSize)
        {
            if (reader.TryRead(out var face))
            {
                Interlocked.Decrement(ref _queued);
                if (firstQueuedAt is null)
                {
                    firstQueuedAt = face.QueuedAt;
                    batch.GatherStartedAt = Stopwatch.GetTimestamp();
                }

                face.Batch = batch;
                faces.Add(face);
                continue;
            }

            if (firstQueuedAt is null)
            {
                break;
            }

            var remaining = _options.MaxQueueDelay - Stopwatch.GetElapsedTime(firstQueuedAt.Value);
            if (remaining <= TimeSpan.Zero || !await WaitForMoreAsync(reader, remaining).ConfigureAwait(false))
            {
                break;
            }
        }

        batch.ClosedAt = Stopwatch.GetTimestamp();
        // Callers may have given up while the batch formed: only live faces are computed.
        faces.RemoveAll(face => !Admit(face));
        return batch;
    }

    /// <summary>False when <paramref name="delay"/> passed first, or the queue was completed for shutdown and is empty.</summary>
    private async ValueTask<bool> WaitForMoreAsync(ChannelReader<PendingFace> reader, TimeSpan delay)
    {
        _gatherDelay.CancelAfter(delay);
        try
        {
            return await reader.WaitToReadAsync(_gatherDelay.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            if (!_gatherDelay.TryReset())
            {
                // The delay fired: a cancelled source cannot be reused.
                _gatherDelay.Dispose();
                _gatherDelay = new CancellationTokenSource();
            }
        }
    }

    /// <summary>False when a gathered face must not be computed.</summary>
    private bool Admit(PendingFace face)
    {
        var task = face.Completion.Task;
        if (task.IsCompleted)
        {
            // The caller gave up (cancelled or timed out) while the face waited.
            _observer?.FacesRejected(task.IsCanceled ? RejectionReason.Cancelled : RejectionReason.Timeout, 1);
            return false;
        }

        var waited = face.Waited;
        if (waited > _options.RequestTimeout)
        {
            face.Completion.TrySetException(new BatchTimeoutException(_options.RequestTimeout));
            _observer?.FacesRejected(RejectionReason.Timeout, 1);
            return false;
        }

        _observer?.FaceDequeued(waited);
        return true;
    }

    private void Deliver(FaceBatch batch)
    {
        if (batch.Delivered())
        {
            _observer?.BatchDelivered(Stopwatch.GetElapsedTime(batch.RunEndedAt));
        }
    }

    private void RunBatches()
    {
        foreach (var batch in _batches.GetConsumingEnumerable())
        {
            Run(batch);
        }
    }

    private void Run(FaceBatch batch)
    {
        var faces = batch.Faces;
        try
        {
            var started = Stopwatch.GetTimestamp();
            _observer?.BatchStarted(Stopwatch.GetElapsedTime(batch.GatherStartedAt, batch.ClosedAt), Stopwatch.GetElapsedTime(batch.ClosedAt, started));
            var embeddings = _embedder.Embed(faces.ConvertAll(f => f.Face));
            batch.EndRun();
            Interlocked.Increment(ref _batchesRun);
            _observer?.BatchCompleted(faces.Count, Stopwatch.GetElapsedTime(started, batch.RunEndedAt));
            for (var i = 0; i < faces.Count; i++)
            {
                if (!faces[i].Completion.TrySetResult(embeddings[i]))
                {
                    Deliver(batch); // its caller gave up meanwhile: nobody is left to receive it
                }
            }
        }
        catch (Exception ex)
        {
            // The faces first: should logging fail too, their callers still get the failure rather
            // than wait out their timeout.
            foreach (var face in faces)
            {
                face.Completion.TrySetException(ex);
            }

            _logger.LogError(ex, "A batch of {Count} faces failed", faces.Count);
        }
        finally
        {
            _freeWorkers.Release();
        }
    }
}
