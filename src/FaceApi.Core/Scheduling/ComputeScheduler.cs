using System.Collections.Concurrent;

namespace FaceApi.Core.Scheduling;

/// <summary>
/// Runs the CPU-heavy stages of a request (decoding, detection, alignment) on a fixed set of
/// dedicated threads, never on the thread pool.
/// </summary>
/// <remarks>
/// Issue 13: on two cores, a burst of photos ran these stages on thread-pool threads, which blocked
/// them for tens of milliseconds each; the requests behind them, including the ones load shedding
/// refuses at once, waited for a pool thread and got their 503 after 200 to 400 ms. Here the pool
/// threads stay free for I/O and refusals. The threads also work a few nice steps below the rest of
/// the process (<see cref="Inference.InferenceOptions.ComputeNiceness"/>), so that when the cores are
/// busy a refusal does not wait for one behind decoding. Continuations of the returned tasks run on
/// the thread pool, not on these threads.
/// </remarks>
public sealed class ComputeScheduler : TaskScheduler, IDisposable
{
    // Continuations go to the thread pool, never run here; and the work does not see this scheduler as
    // TaskScheduler.Current, so tasks that library code starts inside it (ImageSharp's row-parallel
    // loops) go to the thread pool instead of queueing behind the very thread that waits for them.
    private const TaskCreationOptions WorkOptions =
        TaskCreationOptions.RunContinuationsAsynchronously | TaskCreationOptions.HideScheduler | TaskCreationOptions.DenyChildAttach;

    private readonly BlockingCollection<Task> _queue = [];
    private readonly Thread[] _threads;
    private int _disposed;

    /// <summary>
    /// Starts <paramref name="threadCount"/> threads (0: one per processor), <paramref name="niceness"/>
    /// nice steps below the process (<see cref="ComputeThreadPriority"/>).
    /// </summary>
    public ComputeScheduler(int threadCount, int niceness = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threadCount);
        _threads = new Thread[threadCount > 0 ? threadCount : Environment.ProcessorCount];
        for (var i = 0; i < _threads.Length; i++)
        {
            _threads[i] = ComputeThreadPriority.StartThread($"faceapi-compute-{i}", niceness, RunQueued);
        }
    }

    /// <inheritdoc />
    public override int MaximumConcurrencyLevel => _threads.Length;

    /// <summary>Runs <paramref name="work"/> on one of the threads; not started at all if <paramref name="cancellationToken"/> is cancelled first.</summary>
    public Task<T> Run<T>(Func<T> work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, WorkOptions, this);

    /// <inheritdoc cref="Run{T}"/>
    public Task Run(Action work, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(work, cancellationToken, WorkOptions, this);

    /// <summary>Runs what is queued, then stops the threads.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join();
        }

        _queue.Dispose();
    }

    /// <inheritdoc />
    protected override void QueueTask(Task task) => _queue.Add(task);

    // Never inline: work queued here must not run on a caller's (thread-pool) thread.
    /// <inheritdoc />
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    /// <inheritdoc />
    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    private void RunQueued()
    {
        foreach (var task in _queue.GetConsumingEnumerable())
        {
            TryExecuteTask(task);
        }
    }
}
