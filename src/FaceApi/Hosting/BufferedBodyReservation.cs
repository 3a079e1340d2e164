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

    /// <summary>A chunk of <see cref="BufferedBodyChunks.Size"/> bytes; give it back with <see cref="Return"/>.</summary>
    /// <exception cref="QueueFullException">The budget has no room for it now.</exception>
    public byte[] RentChunk()
    {
        var chunk = _budget.TakeChunk();
        _bytes += BufferedBodyChunks.Size;
        return chunk;
    }

    /// <summary>
    /// An array of at least <paramref name="minimumLength"/> bytes: a chunk if its length would be a
    /// chunk's anyway, a kept or new large array over <see cref="UploadBuffers.LargestPooled"/>
    /// (<see cref="BufferedBodyArrays"/>), else one from <see cref="UploadBuffers"/>' pool. Give it back
    /// with <see cref="Return"/>.
    /// </summary>
    /// <exception cref="QueueFullException">The budget has no room for it now.</exception>
    public byte[] Rent(int minimumLength)
    {
        var length = UploadBuffers.LengthOf(minimumLength);
        if (length == BufferedBodyChunks.Size)
        {
            return RentChunk();
        }

        if (length > UploadBuffers.LargestPooled)
        {
            var array = _budget.TakeArray(length);
            _bytes += length;
            return array;
        }

        _budget.Take(length);
        _bytes += length;
        return UploadBuffers.Rent(minimumLength);
    }

    /// <summary>Gives back an array from <see cref="RentChunk"/> or <see cref="Rent"/>, and its share of the budget.</summary>
    // UploadBuffers never hands out a chunk's length (Rent asks for a chunk then), so the length tells
    // which kind it is.
    public void Return(byte[] buffer)
    {
        if (buffer.Length == BufferedBodyChunks.Size)
        {
            _budget.GiveChunk(buffer);
        }
        else if (buffer.Length > UploadBuffers.LargestPooled)
        {
            _budget.GiveArray(buffer);
        }
        else
        {
            UploadBuffers.Return(buffer);
            _budget.Give(buffer.Length);
        }

        _bytes -= buffer.Length;
    }

    public void Dispose()
    {
        _budget.Give(_bytes);
        _bytes = 0;
    }
}
