using System.ComponentModel.DataAnnotations;

namespace FaceApi.Hosting;

/// <summary>
/// How much image work may be in progress at once, and how long an image may expect to wait
/// (configuration section <c>FaceApi:Admission</c>).
/// </summary>
public sealed class RequestAdmissionOptions
{
    /// <summary>
    /// Image requests (/embed, /verify) decoded, detected or queued at once, counted from when their
    /// body is in; more are refused at once with 503 <c>queue_full</c>. The batch queue bounds only
    /// aligned faces; this bounds the requests before them. Default 64: twice the largest GPU batch
    /// (32), so batches stay full while as many requests decode and detect.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>
    /// Decoded pixels that may exist at once, summed over the images being decoded, detected and
    /// embedded (from each header's width x height, plus the decoder's own buffers as the RGB24 pixels
    /// they would fill: a progressive JPEG's coefficients, a TIFF's strip buffer); a request that does not fit is refused at once
    /// with 503 <c>queue_full</c>. A decoded pixel is 3 bytes of RGB24, so the default 64 M pixels (2^26)
    /// bounds decoded images to about 200 MB (measured: one 7000x7000 PNG, 49 M pixels, raised RSS by
    /// 167 MiB at its peak; PixelBudgetTests). It holds one image at the 50 M pixel limit, five 12 MP
    /// phone photos or thirty 2 MP ones. An image larger than the budget runs alone.
    /// </summary>
    [Range(1_000_000, int.MaxValue)]
    public int MaxDecodedPixels { get; set; } = 64 * 1024 * 1024;

    /// <summary>
    /// The longest an image may expect to wait for the detector and the recogniser (the work queued ahead
    /// of it at their measured service times); an image expected to wait longer is refused at once with
    /// 503 <c>queue_full</c> and a Retry-After of the expected drain time. Default 2 s: twice the 1 s p99
    /// latency target (deploy/prometheus/alerts.yml), so an admitted request stays near the target while
    /// a burst of a few seconds is absorbed rather than refused.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan MaxQueueTime { get; set; } = TimeSpan.FromSeconds(2);
}
