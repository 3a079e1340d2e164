namespace FaceApi.Core.Batching;

/// <summary>
/// Which limit refused or dropped work: the <c>reason</c> label of the rejections metric. The batcher's
/// reasons (<see cref="QueueFull"/>, <see cref="Timeout"/>, <see cref="Cancelled"/>) count faces; the
/// others count requests (or images, for <see cref="ExpectedWait"/>).
/// </summary>
public static class RejectionReason
{
    /// <summary>The batch queue had no room for the faces.</summary>
    public const string QueueFull = "queue_full";

    /// <summary>The image's expected wait (work queued ahead, at the measured service times) was too long.</summary>
    public const string ExpectedWait = "expected_wait";

    /// <summary>As many image requests as the host admits were already in progress.</summary>
    public const string ConcurrencyLimit = "concurrency_limit";

    /// <summary>The client was over its rate limit.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>The faces waited past the request timeout.</summary>
    public const string Timeout = "timeout";

    /// <summary>The caller went away.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>The process ran out of memory while serving the request: its memory limit is too low for its load and limits.</summary>
    public const string OutOfMemory = "out_of_memory";
}
