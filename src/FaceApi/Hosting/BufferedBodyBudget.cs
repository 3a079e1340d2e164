using FaceApi.Core.Batching;
using FaceApi.Metrics;
using FaceApi.Uploads;
using Microsoft.Extensions.Options;

namespace FaceApi.Hosting;

/// <summary>
/// Bounds the request-body bytes held in memory at once, over all requests, to
/// <see cref="UploadOptions.MaxBufferedBytes"/>. Bodies are read whole before admission
/// (<see cref="UploadReader"/>), so without it N concurrent maximal bodies pin N x 55 MB during a burst
/// (issue 13). Each body reserves its memory as it arrives, chunk by chunk (<see cref="BufferedBodyReservation"/>),
/// so a slow upload holds only what has arrived. A body that does not fit is refused at once with 503
/// <c>queue_full</c>, counted in <c>faceapi_rejections_total{reason="body_budget"}</c>.
/// </summary>
public sealed class BufferedBodyBudget : IDisposable
{
    /// <summary>The <c>faceapi_rejections_total</c> reason of a refusal here.</summary>
    public const string RejectionReason = "body_budget";

    // Retry-After is whole seconds (RFC 9110 §10.2.3); a body is held until its request is answered,
    // about a second for a large photo.
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly long _maxBytes;

    // A counter rather than a rate limiter's leases: a body gives back part of what it holds (its
    // chunks, once copied into one array), which a lease cannot do.
    private long _reservedBytes;

    public BufferedBodyBudget(IOptions<UploadOptions> options)
    {
        _maxBytes = options.Value.MaxBufferedBytes;
        Chunks = new BufferedBodyChunks(_maxBytes);
        // The series starts at 0: one that first appears at 1 has no earlier sample, so rate() and
        // increase() (and the rejections alert) would miss the first refusal.
        ServiceMetrics.Rejections.WithLabels(RejectionReason);
    }

    /// <summary>The bytes reserved now by bodies being read or served.</summary>
    public long ReservedBytes => Interlocked.Read(ref _reservedBytes);

    /// <summary>The chunks bodies are read into, each reserved here while it is in use.</summary>
    public BufferedBodyChunks Chunks { get; }

    /// <summary>An empty reservation for one body; disposing it gives back all it holds.</summary>
    public BufferedBodyReservation Open() => new(this);

    public void Dispose() => Chunks.Dispose();

    /// <exception cref="QueueFullException">The budget has no room for <paramref name="bytes"/> more now.</exception>
    internal void Take(long bytes)
    {
        var reserved = Interlocked.Read(ref _reservedBytes);
        while (true)
        {
            if (reserved + bytes > _maxBytes)
            {
                ServiceMetrics.Rejections.WithLabels(RejectionReason).Inc();
                throw new QueueFullException(RetryAfter);
            }

            // Taken only if no other body changed the count since it was read; otherwise try again with the new count.
            var seen = Interlocked.CompareExchange(ref _reservedBytes, reserved + bytes, reserved);
            if (seen == reserved)
            {
                return;
            }

            reserved = seen;
        }
    }

    internal void Give(long bytes) => Interlocked.Add(ref _reservedBytes, -bytes);
}
