using FaceApi.Core.Batching;
using FaceApi.Metrics;
using FaceApi.Uploads;
using Microsoft.Extensions.Options;

namespace FaceApi.Hosting;

/// <summary>
/// Bounds the memory request bodies hold at once, over all requests, to
/// <see cref="UploadOptions.MaxBufferedBytes"/>. Bodies are read whole before admission
/// (<see cref="UploadReader"/>), so without it N concurrent maximal bodies pin N x 55 MB during a burst
/// (issue 13). Each body reserves its memory as it arrives, chunk by chunk (<see cref="BufferedBodyReservation"/>),
/// so a slow upload holds only what has arrived. A body that does not fit is refused at once with 503
/// <c>queue_full</c>, counted in <c>faceapi_rejections_total{reason="body_budget"}</c>. The chunks and
/// arrays kept for reuse (<see cref="BufferedBodySpares"/>) count too: reserved and spare bytes
/// together never exceed the budget, so it bounds what bodies hold, not only what they use.
/// </summary>
public sealed class BufferedBodyBudget : IDisposable
{
    /// <summary>The <c>faceapi_rejections_total</c> reason of a refusal here.</summary>
    public const string RejectionReason = "body_budget";

    // Retry-After is whole seconds (RFC 9110 §10.2.3); a body is held until its request is answered,
    // about a second for a large photo.
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly long _maxBytes;

    // Guards the reserved count together with the spares, so that their sum is checked and changed as
    // one: an array moves between a body and the spares without the sum changing.
    private readonly Lock _lock = new();
    private long _reservedBytes;

    public BufferedBodyBudget(IOptions<UploadOptions> options, TimeProvider timeProvider)
    {
        _maxBytes = options.Value.MaxBufferedBytes;
        Spares = new BufferedBodySpares(timeProvider);
        // The series starts at 0: one that first appears at 1 has no earlier sample, so rate() and
        // increase() (and the rejections alert) would miss the first refusal.
        ServiceMetrics.Rejections.WithLabels(RejectionReason);
    }

    /// <summary>The bytes reserved now by bodies being read or served.</summary>
    public long ReservedBytes
    {
        get
        {
            lock (_lock)
            {
                return _reservedBytes;
            }
        }
    }

    /// <summary>The chunks and arrays kept for reuse, which the budget counts beside the reserved bytes.</summary>
    internal BufferedBodySpares Spares { get; }

    /// <summary>An empty reservation for one body; disposing it gives back all it holds.</summary>
    public BufferedBodyReservation Open() => new(this);

    public void Dispose() => Spares.Dispose();

    /// <summary>Reserves <paramref name="bytes"/> for a new pooled array, letting go of spares to make room for it.</summary>
    /// <exception cref="QueueFullException">The budget has no room for <paramref name="bytes"/> more now.</exception>
    internal void Take(long bytes)
    {
        lock (_lock)
        {
            Reserve(bytes);
            KeepSparesWithinBudget();
        }
    }

    /// <summary>
    /// Reserves an array of <paramref name="length"/> bytes and hands it out: a spare one (which moves
    /// from the spares to the reserved bytes) or a new one.
    /// </summary>
    /// <exception cref="QueueFullException">The budget has no room for it now.</exception>
    /// <exception cref="OutOfMemoryException">The process has no memory for a new array; nothing stays reserved.</exception>
    internal byte[] TakeSpareOrNew(int length)
    {
        lock (_lock)
        {
            Reserve(length);
            try
            {
                var array = RentOrDropSparesAndRetry(length);
                KeepSparesWithinBudget();
                return array;
            }
            catch (OutOfMemoryException)
            {
                // The array never existed, so nobody would give its share back: under a heap limit
                // lower than the budget, each such failure used to shrink the budget for good (57 MB
                // for a maximal JSON /verify, whose copy is the allocation that fails).
                _reservedBytes -= length;
                throw;
            }
        }
    }

    internal void Give(long bytes)
    {
        lock (_lock)
        {
            _reservedBytes -= bytes;
        }
    }

    /// <summary>Takes an array back from a body and keeps it: its bytes move from the reserved ones to the spares.</summary>
    internal void GiveForReuse(byte[] array)
    {
        lock (_lock)
        {
            _reservedBytes -= array.Length;
            Spares.Keep(array);
        }
    }

    // Spares are only worth keeping while memory is plentiful: under a heap limit below the budget, the
    // chunks a body left behind took the room its successor's array needed, so every large body after
    // one out-of-memory failure failed too. Dropped, they are collected by the full collection that
    // the retried allocation runs before it gives up.
    private byte[] RentOrDropSparesAndRetry(int length)
    {
        try
        {
            return Spares.Rent(length);
        }
        catch (OutOfMemoryException)
        {
            Spares.KeepAtMost(0);
            return Spares.Rent(length);
        }
    }

    private void KeepSparesWithinBudget() => Spares.KeepAtMost(_maxBytes - _reservedBytes);

    // With spares counted, new memory fits if the reserved bytes leave room for it; the caller then
    // drops the spares it displaces. A spare taken for reuse changes nothing in the sum.
    private void Reserve(long bytes)
    {
        if (_reservedBytes + bytes > _maxBytes)
        {
            ServiceMetrics.Rejections.WithLabels(RejectionReason).Inc();
            throw new QueueFullException(RetryAfter);
        }

        _reservedBytes += bytes;
    }
}
