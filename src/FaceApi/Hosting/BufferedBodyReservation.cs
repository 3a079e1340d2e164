using FaceApi.Core.Batching;

namespace FaceApi.Hosting;

/// <summary>
/// The share of <see cref="BufferedBodyBudget"/> one request body holds: it grows with the body's
/// memory, before each chunk or array is allocated, shrinks when the body lets some go, and is given
/// back whole when disposed. Used by one request at a time, so it needs no locking.
/// </summary>
public sealed class BufferedBodyReservation : IDisposable
{
    private readonly BufferedBodyBudget _budget;
    private long _bytes;

    internal BufferedBodyReservation(BufferedBodyBudget budget) => _budget = budget;

    /// <summary>The chunks the body is read into; reserve each with <see cref="GrowTo"/> before renting it.</summary>
    public BufferedBodyChunks Chunks => _budget.Chunks;

    /// <summary>Makes the reservation cover <paramref name="bytes"/>, taking only the difference.</summary>
    /// <exception cref="QueueFullException">The budget has no room for the difference now.</exception>
    public void GrowTo(long bytes)
    {
        if (bytes > _bytes)
        {
            _budget.Take(bytes - _bytes);
            _bytes = bytes;
        }
    }

    /// <summary>Gives back what the reservation holds beyond <paramref name="bytes"/>.</summary>
    public void ShrinkTo(long bytes)
    {
        if (bytes < _bytes)
        {
            _budget.Give(_bytes - bytes);
            _bytes = bytes;
        }
    }

    public void Dispose() => ShrinkTo(0);
}
