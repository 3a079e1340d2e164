using FaceApi.Errors;
using FaceApi.Hosting;

namespace FaceApi.Uploads;

/// <summary>
/// Reads a stream to its end, within a limit, into 64 KiB chunks (<see cref="BufferedBodyChunks"/>)
/// rented as bytes arrive, then hands the body out as one array. Memory grows with what actually
/// arrives, not with what a header claims, so a connection that announces 50 MB and sends 1 KB/s holds
/// kilobytes. Each chunk, and the final array, is reserved from the process-wide
/// <see cref="BufferedBodyBudget"/> before it exists. Nothing is ever spooled to disk.
/// </summary>
/// <remarks>
/// An earlier version grew one array by doubling: every smaller array it left behind (and the partial
/// array of every refused body) was garbage on the large-object heap, which only a full collection
/// reclaims, so sixteen 57 MB bodies at once raised RSS by about 820 MiB while only four were admitted
/// (<c>deploy/attacks/replay.py --quick --only 12</c>, issue 13). Chunks are reused from one body to
/// the next, and the one array a body is copied into is its only garbage.
/// </remarks>
internal static class PooledStreamReader
{
    internal const int ChunkSize = BufferedBodyChunks.Size;

    /// <summary>The bytes the chunks holding <paramref name="arrived"/> bytes take: what a body holds while it arrives.</summary>
    internal static long ChunkedBytes(long arrived) => Math.Max(1, (arrived + ChunkSize - 1) / ChunkSize) * ChunkSize;

    /// <summary>The most a read within <paramref name="limit"/> reserves at once: a body at the limit while its chunks are copied into its array.</summary>
    // One byte past the limit tells "exactly at the limit" from "over it", so the chunks hold limit + 1.
    public static long PeakBytes(long limit)
    {
        limit = Math.Min(limit, Array.MaxLength);
        var chunks = ChunkedBytes(limit + 1);
        return limit > ChunkSize ? chunks + UploadBuffers.LengthOf((int)limit) : chunks;
    }

    /// <summary>Reads until the end of <paramref name="stream"/>, or until <paramref name="expectedLength"/> bytes when it is known.</summary>
    /// <returns>The array, which the caller gives back with <see cref="UploadBuffers.Return"/>, and the body's length in it.</returns>
    /// <exception cref="Core.Batching.QueueFullException"><paramref name="reservation"/> cannot grow to the next chunk or the final array.</exception>
    /// <exception cref="ApiProblemException">The body is over <paramref name="limit"/>, or ends before <paramref name="expectedLength"/>.</exception>
    public static async Task<(byte[] Buffer, int Length)> ReadAsync(
        Stream stream,
        long limit,
        long? expectedLength,
        BufferedBodyReservation reservation,
        Func<ApiProblemException> tooLarge,
        CancellationToken cancellationToken)
    {
        // A body longer than the largest array cannot be handed out as one; only absurd limits allow it.
        limit = Math.Min(limit, Array.MaxLength);
        var end = expectedLength ?? limit + 1;
        var chunks = new List<byte[]>();
        var length = 0;
        try
        {
            while (length < end)
            {
                if (length == chunks.Count * ChunkSize)
                {
                    // Reserved before it is rented, so a refusal allocates nothing.
                    reservation.GrowTo((chunks.Count + 1L) * ChunkSize);
                    chunks.Add(reservation.Chunks.Rent());
                }

                var offset = length % ChunkSize;
                var room = (int)Math.Min(ChunkSize - offset, end - length);
                var read = await stream.ReadAsync(chunks[^1].AsMemory(offset, room), cancellationToken);
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

            if (length < expectedLength)
            {
                throw ApiProblemException.InvalidRequest($"The request body ended after {length} of the {expectedLength} bytes its Content-Length announced.");
            }

            return (Join(chunks, length, reservation), length);
        }
        catch
        {
            foreach (var chunk in chunks)
            {
                reservation.Chunks.Return(chunk);
            }

            throw;
        }
    }

    // The body as one array; `chunks` is empty afterwards (the caller returns whatever is left in it on
    // a failure). A body that fits in one chunk is that chunk, with no copy: aligned crops, embedding-only
    // requests and small photos; it goes back to ArrayPool<byte>.Shared like any small body buffer
    // (UploadBuffers.Return), where the chunks come from when none is spare.
    private static byte[] Join(List<byte[]> chunks, int length, BufferedBodyReservation reservation)
    {
        if (chunks.Count == 0)
        {
            return [];
        }

        // A body that ends exactly at a chunk's end (without Content-Length) was found complete only by
        // reading into one more chunk, which stays empty.
        var needed = (int)(ChunkedBytes(length) / ChunkSize);
        for (var i = chunks.Count - 1; i >= needed; i--)
        {
            reservation.Chunks.Return(chunks[i]);
            chunks.RemoveAt(i);
        }

        if (chunks.Count == 1)
        {
            var only = chunks[0];
            chunks.Clear();
            reservation.ShrinkTo(ChunkSize);
            return only;
        }

        // Larger bodies are copied into one array of their length (UploadBuffers' rules: pooled up to
        // 1 MiB, a plain array above, which the collector reclaims after a burst). For the copy the body
        // is held twice, its chunks and its array, for the milliseconds a copy of up to 55 MB takes; the
        // budget counts both (reserved before the array exists), so a burst stays within it, and a body
        // whose copy does not fit is refused like one whose next chunk does not.
        reservation.GrowTo(((long)chunks.Count * ChunkSize) + UploadBuffers.LengthOf(length));
        var body = UploadBuffers.Rent(length);
        var copied = 0;
        foreach (var chunk in chunks)
        {
            var part = Math.Min(ChunkSize, length - copied);
            chunk.AsSpan(0, part).CopyTo(body.AsSpan(copied));
            copied += part;
            reservation.Chunks.Return(chunk);
        }

        chunks.Clear();
        reservation.ShrinkTo(body.Length);
        return body;
    }
}
