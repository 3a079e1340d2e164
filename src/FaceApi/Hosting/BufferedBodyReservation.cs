using FaceApi.Core.Batching;
using FaceApi.Uploads;

namespace FaceApi.Hosting;

/// <summary>
/// The share of <see cref="BufferedBodyBudget"/> one request body holds, and where the body gets its
/// memory: every chunk or array it rents here is reserved before it exists and given back with it, so
/// the reservation is always what the body holds. Disposing it gives back whatever is left. Used by
/// one request at a time, so it needs no locking.
/// </summary>
public sealed class BufferedBodyReservation : IDisposable
{
    private readonly BufferedBodyBudget _budget;
    private long _bytes;

    internal BufferedBodyReservation(BufferedBodyBudget budget) => _budget = budget;

    /// <summary>A chunk of <see cref="BufferedBodySpares.ChunkSize"/> bytes; give it back with <see cref="Return"/>.</summary>
    /// <exception cref="QueueFullException">The budget has no room for it now.</exception>
    public byte[] RentChunk() => Rent(BufferedBodySpares.ChunkSize);

    /// <summary>
    /// An array of at least <paramref name="minimumLength"/> bytes: a kept or new one
    /// (<see cref="BufferedBodySpares"/>) if its length is a chunk's or over
    /// <see cref="UploadBuffers.LargestPooled"/>, else one from <see cref="UploadBuffers"/>' pool. Give it
    /// back with <see cref="Return"/>.
    /// </summary>
    /// <exception cref="QueueFullException">The budget has no room for it now.</exception>
    public byte[] Rent(int minimumLength)
    {
        var length = UploadBuffers.LengthOf(minimumLength);
        if (IsKeptForReuse(length))
        {
            var array = _budget.TakeSpareOrNew(length);
            _bytes += length;
            return array;
        }

        _budget.Take(length);
        _bytes += length;
        return UploadBuffers.Rent(minimumLength);
    }

    /// <summary>Gives back an array from <see cref="RentChunk"/> or <see cref="Rent"/>, and its share of the budget.</summary>
    // UploadBuffers never hands out a length kept for reuse (Rent takes a spare or new array then), so
    // the length tells where the array goes.
    public void Return(byte[] buffer)
    {
        // First: the budget has its share back once either call below starts, so a failure in them
        // (keeping a spare allocates) must not leave it here for Dispose to give back a second time.
        _bytes -= buffer.Length;
        if (IsKeptForReuse(buffer.Length))
        {
            _budget.GiveForReuse(buffer);
        }
        else
        {
            UploadBuffers.Return(buffer);
            _budget.Give(buffer.Length);
        }
    }

    public void Dispose()
    {
        _budget.Give(_bytes);
        _bytes = 0;
    }

    // Chunks, which every body needs, and arrays too large for UploadBuffers' pool.
    private static bool IsKeptForReuse(int length) => length == BufferedBodySpares.ChunkSize || length > UploadBuffers.LargestPooled;
}
