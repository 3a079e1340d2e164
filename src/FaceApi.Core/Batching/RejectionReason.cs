namespace FaceApi.Core.Batching;

/// <summary>Why faces were refused or dropped; the values are metric labels and problem codes.</summary>
public static class RejectionReason
{
    /// <summary>The queue had no room.</summary>
    public const string QueueFull = "queue_full";

    /// <summary>The faces waited past the request timeout.</summary>
    public const string Timeout = "timeout";

    /// <summary>The caller went away.</summary>
    public const string Cancelled = "cancelled";
}
