using FaceApi.Errors;
using FaceApi.Hosting;

namespace FaceApi.Uploads;

/// <summary>
/// Reads a stream to its end into one array from <see cref="UploadBuffers"/>, within a limit. Memory grows
/// with what actually arrives (doubling from 64 KiB), not with what a header claims, so a connection
/// that announces 50 MB and sends 1 KB/s holds kilobytes. Each larger array is reserved from the
/// process-wide <see cref="BufferedBodyBudget"/> before it is allocated. Nothing is ever spooled to disk.
/// </summary>
internal static class PooledStreamReader
{
    // A 20 MB image costs 9 doublings and about 20 MB of copying (milliseconds).
    private const int InitialCapacity = 64 * 1024;

    /// <summary>The largest array a read within <paramref name="limit"/> grows to.</summary>
    // One byte past the limit tells "exactly at the limit" from "over it".
    public static long LargestBuffer(long limit) => Math.Min(limit + 1, Array.MaxLength);

    /// <summary>Reads until the end of <paramref name="stream"/>, or until <paramref name="expectedLength"/> bytes when it is known.</summary>
    /// <returns>The array, which the caller gives back with <see cref="UploadBuffers.Return"/>, and the length read into it.</returns>
    /// <exception cref="Core.Batching.QueueFullException"><paramref name="reservation"/> cannot grow to the next array.</exception>
    public static async Task<(byte[] Buffer, int Length)> ReadAsync(
        Stream stream,
        long limit,
        long? expectedLength,
        BufferedBodyReservation reservation,
        Func<ApiProblemException> tooLarge,
        CancellationToken cancellationToken)
    {
        var capacity = LargestBuffer(limit);
        var buffer = Rent((int)Math.Min(expectedLength ?? InitialCapacity, Math.Min(capacity, InitialCapacity)), reservation);
        var length = 0;
        try
        {
            while (expectedLength is null || length < expectedLength)
            {
                if (length == buffer.Length)
                {
                    var larger = Rent((int)Math.Min((long)buffer.Length * 2, capacity), reservation);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    UploadBuffers.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    throw tooLarge();
                }
            }

            return (buffer, length);
        }
        catch
        {
            UploadBuffers.Return(buffer);
            throw;
        }
    }

    // The reservation covers the array that holds the body (the smaller one it replaces is garbage once
    // copied) and grows before the array is allocated, so a refusal allocates nothing.
    private static byte[] Rent(int length, BufferedBodyReservation reservation)
    {
        reservation.GrowTo(length);
        return UploadBuffers.Rent(length);
    }
}
