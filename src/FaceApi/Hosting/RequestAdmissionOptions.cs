using System.ComponentModel.DataAnnotations;

namespace FaceApi.Hosting;

/// <summary>How much image work may be in progress at once (configuration section <c>FaceApi:Admission</c>).</summary>
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
    /// embedded (from each header's width x height); a request that does not fit is refused at once
    /// with 503 <c>queue_full</c>. A decoded pixel is 3 bytes of RGB24, so the default 64 M pixels (2^26)
    /// bounds decoded images to about 200 MB (measured: one 7000x7000 PNG, 49 M pixels, raised RSS by
    /// 167 MiB at its peak; PixelBudgetTests). It holds one image at the 50 M pixel limit, five 12 MP
    /// phone photos or thirty 2 MP ones. An image larger than the budget runs alone.
    /// </summary>
    [Range(1_000_000, int.MaxValue)]
    public int MaxDecodedPixels { get; set; } = 64 * 1024 * 1024;
}
