using System.ComponentModel.DataAnnotations;

namespace FaceApi.Hosting;

/// <summary>How many image requests may be in progress at once (configuration section <c>FaceApi:Admission</c>).</summary>
public sealed class RequestAdmissionOptions
{
    /// <summary>
    /// Image requests (/embed, /verify) read, decoded, detected or queued at once; more are refused
    /// at once with 503 <c>queue_full</c>. The batch queue bounds only aligned faces; this bounds the
    /// bodies and decoded pixels held before them, which is what exhausts memory under a burst
    /// (a 10 MP photo is about 30 MB of RGB24). Default 64: twice the largest GPU batch (32), so
    /// batches stay full while as many requests decode and detect.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConcurrentRequests { get; set; } = 64;
}
