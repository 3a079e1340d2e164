using System.Threading.RateLimiting;
using FaceApi.Core.Batching;
using FaceApi.Metrics;
using Microsoft.Extensions.Options;

namespace FaceApi.Hosting;

/// <summary>
/// Admits image decodes by the pixels they will hold, read from the image header, not by count: at
/// most <see cref="RequestAdmissionOptions.MaxDecodedPixels"/> decoded pixels exist at once, the decoder's
/// own buffers counted as the RGB24 pixels they would fill (<see cref="Core.Imaging.IdentifiedImage.DecodingPixels"/>). Sixteen
/// 139 KB all-black 7000x7000 PNGs, 49 million pixels each, raised RSS by 1.8 GB under the count limit
/// alone (issue 13). A request over the budget is refused at once with 503 <c>queue_full</c>, counted
/// in <c>faceapi_rejections_total{reason="pixel_budget"}</c>.
/// </summary>
public sealed class DecodedPixelBudget : IDisposable
{
    /// <summary>The <c>faceapi_rejections_total</c> reason of a refusal here.</summary>
    public const string RejectionReason = "pixel_budget";

    // Retry-After is whole seconds (RFC 9110 §10.2.3); a decode and detection of a large photo takes about one.
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly int _budget;

    // One permit per pixel; no queue, so a refusal costs nothing and waits for nothing.
    private readonly ConcurrencyLimiter _pixels;

    public DecodedPixelBudget(IOptions<RequestAdmissionOptions> options)
    {
        _budget = options.Value.MaxDecodedPixels;
        _pixels = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = _budget, QueueLimit = 0 });
        // The series starts at 0: one that first appears at 1 has no earlier sample, so rate() and
        // increase() (and the rejections alert) would miss the first refusal.
        ServiceMetrics.Rejections.WithLabels(RejectionReason);
    }

    /// <summary>
    /// Reserves <paramref name="pixels"/> until the result is disposed. A request larger than the whole
    /// budget (a /verify of two maximum-size images) reserves all of it: it runs alone rather than never.
    /// </summary>
    /// <exception cref="QueueFullException">The budget has no room for them now.</exception>
    public IDisposable Reserve(long pixels)
    {
        // A /verify of two stored embeddings decodes nothing. The limiter answers a request for 0
        // permits with "are any free?", which would refuse it while the budget is fully held.
        if (pixels == 0)
        {
            return NothingReserved.Instance;
        }

        var lease = _pixels.AttemptAcquire((int)Math.Min(pixels, _budget));
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        ServiceMetrics.Rejections.WithLabels(RejectionReason).Inc();
        throw new QueueFullException(RetryAfter);
    }

    public void Dispose() => _pixels.Dispose();

    private sealed class NothingReserved : IDisposable
    {
        public static readonly NothingReserved Instance = new();

        public void Dispose()
        {
        }
    }
}
