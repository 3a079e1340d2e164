using System.Threading.RateLimiting;
using FaceApi.Core.Batching;
using FaceApi.Metrics;
using FaceApi.Uploads;
using Microsoft.Extensions.Options;

namespace FaceApi.Hosting;

/// <summary>
/// Bounds the request-body bytes held in memory at once, over all requests, to
/// <see cref="UploadOptions.MaxBufferedBytes"/>. Bodies are read whole before admission
/// (<see cref="UploadReader"/>), so without it N concurrent maximal bodies pin N x 55 MB during a burst
/// (issue 13). Each body reserves its buffer as the buffer grows (<see cref="BufferedBodyReservation"/>),
/// so a slow upload holds only what has arrived. A body that does not fit is refused at once with 503
/// <c>queue_full</c>, counted in <c>faceapi_rejections_total{reason="body_budget"}</c>.
/// </summary>
public sealed class BufferedBodyBudget : IDisposable
{
    /// <summary>The <c>faceapi_rejections_total</c> reason of a refusal here.</summary>
    public const string RejectionReason = "body_budget";

    // Permits are KiB, so budgets up to 2 TiB fit the limiter's int count (UploadOptions caps it at 1 TiB).
    private const int BytesPerPermit = 1024;

    // Retry-After is whole seconds (RFC 9110 §10.2.3); a body is held until its request is answered,
    // about a second for a large photo.
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly int _permits;

    // No queue, so a refusal costs nothing and waits for nothing.
    private readonly ConcurrencyLimiter _kibibytes;

    public BufferedBodyBudget(IOptions<UploadOptions> options)
    {
        // Rounded up, as each reservation is: a budget of exactly the largest body's bytes holds that body.
        _permits = PermitsFor(options.Value.MaxBufferedBytes);
        _kibibytes = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = _permits, QueueLimit = 0 });
        // The series starts at 0: one that first appears at 1 has no earlier sample, so rate() and
        // increase() (and the rejections alert) would miss the first refusal.
        ServiceMetrics.Rejections.WithLabels(RejectionReason);
    }

    /// <summary>The bytes reserved now by bodies being read or served (whole KiB).</summary>
    public long ReservedBytes => (long)(_permits - _kibibytes.GetStatistics()!.CurrentAvailablePermits) * BytesPerPermit;

    /// <summary>An empty reservation for one body; disposing it gives back all it grew to.</summary>
    public BufferedBodyReservation Open() => new(this);

    public void Dispose() => _kibibytes.Dispose();

    internal static int PermitsFor(long bytes) => (int)((bytes + BytesPerPermit - 1) / BytesPerPermit);

    /// <exception cref="QueueFullException">The budget has no room for them now.</exception>
    internal RateLimitLease Take(int permits)
    {
        var lease = _kibibytes.AttemptAcquire(permits);
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        ServiceMetrics.Rejections.WithLabels(RejectionReason).Inc();
        throw new QueueFullException(RetryAfter);
    }
}
