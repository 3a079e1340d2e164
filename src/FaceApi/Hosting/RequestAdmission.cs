using FaceApi.Core.Batching;
using FaceApi.Metrics;
using Microsoft.Extensions.Options;

namespace FaceApi.Hosting;

/// <summary>
/// Admits at most <see cref="RequestAdmissionOptions.MaxConcurrentRequests"/> image requests into
/// decoding, detection and embedding at a time; the rest are refused at once with 503
/// <c>queue_full</c> and Retry-After, like a full batch queue, so overload waits for nothing. It bounds
/// decoding and inference, not memory: the body is already read by then, and decoded pixels have their
/// own budget (<see cref="DecodedPixelBudget"/>). A request enters only once its body is in (<see cref="Uploads.UploadReader"/>): slow
/// uploads then hold no slot (64 clients sending 1 KB/s made every real request 503, issue 13).
/// </summary>
public sealed class RequestAdmission(IOptions<RequestAdmissionOptions> options) : IDisposable
{
    // Retry-After is whole seconds (RFC 9110 §10.2.3); one second is the shortest hint, as the batcher gives.
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentRequests);

    /// <summary>Takes a slot, released when the result is disposed.</summary>
    /// <exception cref="QueueFullException">Every slot is taken.</exception>
    public IDisposable Enter()
    {
        // Allocated before the slot is taken: an allocation that failed after it would hold the slot for good.
        var slot = new Slot(_slots);
        if (!_slots.Wait(0))
        {
            ServiceMetrics.Rejections.WithLabels(RejectionReason.ConcurrencyLimit).Inc();
            throw new QueueFullException(RetryAfter);
        }

        return slot;
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
