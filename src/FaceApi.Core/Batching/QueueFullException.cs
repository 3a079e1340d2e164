namespace FaceApi.Core.Batching;

/// <summary>The batch queue is full; the client should retry after <see cref="RetryAfter"/>.</summary>
public sealed class QueueFullException(TimeSpan retryAfter)
    : Exception("The service is at capacity; retry shortly.")
{
    /// <summary>A hint for the client's retry delay.</summary>
    public TimeSpan RetryAfter { get; } = retryAfter;
}
