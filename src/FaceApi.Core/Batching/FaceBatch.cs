using System.Diagnostics;

namespace FaceApi.Core.Batching;

/// <summary>
/// One gathered batch and the moments of its life, so the batcher can report where a batch's time
/// goes: gathering, the hand-off to an inference thread, the model run, and the way back to its callers.
/// </summary>
internal sealed class FaceBatch(int capacity)
{
    private int _undelivered;

    public List<PendingFace> Faces { get; } = new(capacity);

    /// <summary>When the dispatcher took the batch's first face from the queue.</summary>
    public long GatherStartedAt { get; set; }

    /// <summary>When the dispatcher closed the batch (full, or its delay passed).</summary>
    public long ClosedAt { get; set; }

    /// <summary>When the model run ended; set before any face's completion.</summary>
    public long RunEndedAt { get; private set; }

    /// <summary>Marks the run's end; every face counts as undelivered until its caller resumes.</summary>
    public void EndRun()
    {
        RunEndedAt = Stopwatch.GetTimestamp();
        Volatile.Write(ref _undelivered, Faces.Count);
    }

    /// <summary>
    /// One face's result reached its caller (or nobody waits for it any more). True for the last
    /// of the batch: that caller reports the time since the run ended.
    /// </summary>
    public bool Delivered() => Interlocked.Decrement(ref _undelivered) == 0;
}
