using System.Diagnostics;
using FaceApi.Core.Alignment;
using FaceApi.Core.Recognition;

namespace FaceApi.Core.Batching;

/// <summary>One queued face: its crop, its caller's completion and when it was queued.</summary>
internal sealed class PendingFace(AlignedFace face)
{
    public AlignedFace Face { get; } = face;

    // Continuations run on the thread pool, never inline on the batch worker that completes them.
    public TaskCompletionSource<FaceEmbedding> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long QueuedAt { get; } = Stopwatch.GetTimestamp();

    public TimeSpan Waited => Stopwatch.GetElapsedTime(QueuedAt);

    /// <summary>The batch the face was gathered into; null while it is queued.</summary>
    public FaceBatch? Batch { get; set; }
}
