using System.ComponentModel.DataAnnotations;

namespace FaceApi.Core.Batching;

/// <summary>Dynamic batching settings (configuration section <c>FaceApi:Batching</c>).</summary>
public sealed class BatchingOptions
{
    /// <summary>
    /// Most faces in one <c>Run</c>. Null picks by provider: 32 on GPU (enough to fill a modern card
    /// with a ResNet-50 at 112x112), 8 on CPU (larger CPU batches add latency without throughput).
    /// </summary>
    [Range(1, 256)]
    public int? MaxBatchSize { get; set; }

    /// <summary>How long the first face of a batch may wait for company before the batch runs.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan MaxQueueDelay { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Faces that may wait in the queue; beyond it requests are refused at once (queue_full).</summary>
    [Range(1, 1_000_000)]
    public int QueueCapacity { get; set; } = 256;

    /// <summary>Batches computed at once; null uses the session pool size.</summary>
    [Range(1, 64)]
    public int? MaxConcurrentBatches { get; set; }

    /// <summary>A face still queued after this long is dropped and its request fails with <c>timeout</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
