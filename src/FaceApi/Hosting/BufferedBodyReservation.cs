using System.Threading.RateLimiting;
using FaceApi.Core.Batching;

namespace FaceApi.Hosting;

/// <summary>
/// The share of <see cref="BufferedBodyBudget"/> one request body holds: it grows with the body's buffer,
/// before each larger buffer is allocated, and is given back whole when disposed. Used by one request
/// at a time, so it needs no locking.
/// </summary>
public sealed class BufferedBodyReservation : IDisposable
{
    private readonly BufferedBodyBudget _budget;

    // One lease per growth: a buffer doubling from 64 KiB to 64 MiB grows about ten times.
    private readonly List<RateLimitLease> _leases = [];
    private int _permits;

    internal BufferedBodyReservation(BufferedBodyBudget budget) => _budget = budget;

    /// <summary>Makes the reservation cover a buffer of <paramref name="bytes"/>, taking only the difference.</summary>
    /// <exception cref="QueueFullException">The budget has no room for the difference now.</exception>
    public void GrowTo(long bytes)
    {
        // The limiter answers a request for 0 permits with "are any free?", which is not the question.
        var more = BufferedBodyBudget.PermitsFor(bytes) - _permits;
        if (more <= 0)
        {
            return;
        }

        _leases.Add(_budget.Take(more));
        _permits += more;
    }

    public void Dispose()
    {
        foreach (var lease in _leases)
        {
            lease.Dispose();
        }

        _leases.Clear();
        _permits = 0;
    }
}
