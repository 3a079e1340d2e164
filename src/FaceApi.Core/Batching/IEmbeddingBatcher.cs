using FaceApi.Core.Alignment;
using FaceApi.Core.Recognition;

namespace FaceApi.Core.Batching;

/// <summary>
/// Groups aligned faces from concurrent requests into shared model runs. Results come back to each
/// caller in the order of its faces.
/// </summary>
public interface IEmbeddingBatcher
{
    /// <summary>Faces waiting to be computed.</summary>
    int QueueDepth { get; }

    /// <summary>Most faces that may wait.</summary>
    int QueueCapacity { get; }

    /// <summary>Batches that may be computed at once.</summary>
    int MaxConcurrentBatches { get; }

    /// <summary>Model runs so far (each one batch).</summary>
    long BatchesRun { get; }

    /// <summary>Queues <paramref name="faces"/> and waits for their embeddings.</summary>
    /// <exception cref="QueueFullException">The queue cannot take all the faces now.</exception>
    /// <exception cref="BatchTimeoutException">The faces waited longer than the request timeout.</exception>
    /// <exception cref="OperationCanceledException">The caller gave up before the faces were computed.</exception>
    /// <exception cref="BatcherClosedException">The batcher is shutting down.</exception>
    Task<FaceEmbedding[]> EmbedAsync(IReadOnlyList<AlignedFace> faces, CancellationToken cancellationToken);
}
