using FaceApi.Errors;
using FaceApi.Hosting;

namespace FaceApi.Uploads;

/// <summary>
/// Reads a stream to its end, within a limit, into 64 KiB chunks (<see cref="BufferedBodySpares.ChunkSize"/>)
/// taken as bytes arrive, then hands the body out as one array. Memory grows with what actually
/// arrives, not with what a header claims: nothing is taken until the body's next bytes are there, a
/// body announced shorter than a chunk gets a buffer of its own length, and a connection that
/// announces 50 MB and sends 1 KB/s holds one chunk. Every buffer is reserved in the process-wide
/// <see cref="BufferedBodyBudget"/> before it exists (<see cref="BufferedBodyReservation"/>). Nothing is
/// ever spooled to disk.
/// </summary>
/// <remarks>
/// An earlier version grew one array by doubling: every smaller array it left behind (and the partial
/// array of every refused body) was garbage on the large-object heap, which only a full collection
/// reclaims, so sixteen 57 MB bodies at once raised RSS by about 820 MiB while only four were admitted
/// (<c>deploy/attacks/replay.py --quick --only 12</c>, issue 13). Chunks are reused from one body to
/// the next, and so are the arrays bodies are copied into (<see cref="BufferedBodySpares"/>). The next version took its
/// first chunk before the first byte: connections that sent only headers held 64 KiB each, so about
/// 4,100 of them (Kestrel asks nothing of a body for its first 5 s, then 240 bytes/s) held the whole
/// 256 MiB budget until the body deadline, and every real upload was refused.
/// </remarks>
internal static class PooledStreamReader
{
    internal const int ChunkSize = BufferedBodySpares.ChunkSize;

    /// <summary>The bytes the chunks holding <paramref name="arrived"/> bytes take: what a body holds while it arrives.</summary>
    internal static long ChunkedBytes(long arrived) => Math.Max(1, (arrived + ChunkSize - 1) / ChunkSize) * ChunkSize;

    /// <summary>The most a read within <paramref name="limit"/> reserves at once, exactly: a body at the limit, without Content-Length.</summary>
    // One byte past the limit tells "exactly at the limit" from "over it", so such a body is read into
    // room for limit + 1: one buffer of its own below a chunk, else chunks. Over one chunk, its chunks
    // are then copied into its array; the chunk taken only to find the end (after a body that fills its
    // last chunk) is given back before the array is taken.
    public static long PeakBytes(long limit)
    {
        limit = Math.Min(limit, Array.MaxLength);
        if (limit + 1 < ChunkSize)
        {
            return UploadBuffers.LengthOf((int)limit + 1);
        }

        return limit <= ChunkSize ? ChunkedBytes(limit + 1) : ChunkedBytes(limit) + UploadBuffers.LengthOf((int)limit);
    }

    /// <summary>Reads until the end of <paramref name="stream"/>, or until <paramref name="expectedLength"/> bytes when it is known.</summary>
    /// <returns>The array, rented from <paramref name="reservation"/> (the caller gives it back there), and the body's length in it.</returns>
    /// <exception cref="Core.Batching.QueueFullException"><paramref name="reservation"/> has no room for the next chunk or the final array.</exception>
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
        var buffers = new List<byte[]>();
        var length = 0;
        try
        {
            while (length < end)
            {
                if (length == buffers.Count * ChunkSize)
                {
                    // A zero-byte read waits for data without a buffer (Kestrel's request stream and
                    // ASP.NET Core's TestServer support it; a stream that does not answers at once), so
                    // a body holds nothing of the budget until its bytes are here. It reads nothing, and
                    // its 0 means "data or the end": the read into the buffer tells which.
                    _ = await stream.ReadAsync(Memory<byte>.Empty, cancellationToken);

                    // A body that cannot reach a chunk's length is read into one buffer of its length.
                    buffers.Add(end < ChunkSize ? reservation.Rent((int)end) : reservation.RentChunk());
                }

                var offset = length % ChunkSize;
                var room = (int)Math.Min(ChunkSize - offset, end - length);
                var read = await stream.ReadAsync(buffers[^1].AsMemory(offset, room), cancellationToken);
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

            return (Join(buffers, length, reservation), length);
        }
        catch
        {
            foreach (var buffer in buffers)
            {
                reservation.Return(buffer);
            }

            throw;
        }
    }

    // The body as one array; `buffers` is empty afterwards (the caller returns whatever is left in it on
    // a failure). A body that fits in one buffer is that buffer, with no copy: aligned crops,
    // embedding-only requests and small photos.
    private static byte[] Join(List<byte[]> buffers, int length, BufferedBodyReservation reservation)
    {
        // Without Content-Length, the read that finds the end of a body that is empty or ends exactly at
        // a chunk's end needed one more chunk, which stays empty.
        var needed = (length + ChunkSize - 1) / ChunkSize;
        while (buffers.Count > needed)
        {
            reservation.Return(buffers[^1]);
            buffers.RemoveAt(buffers.Count - 1);
        }

        switch (buffers.Count)
        {
            case 0:
                return [];
            case 1:
                var only = buffers[0];
                buffers.Clear();
                return only;
        }

        // Larger bodies are copied into one array of their length (pooled up to 1 MiB, above it whole
        // MiB kept for the next body of about that size: BufferedBodyReservation.Rent). For the copy the body
        // is held twice, its chunks and its array, for the milliseconds a copy of up to 55 MB takes; the
        // budget counts both (reserved before the array exists), so a burst stays within it, and a body
        // whose copy does not fit is refused like one whose next chunk does not.
        var body = reservation.Rent(length);
        var copied = 0;
        foreach (var chunk in buffers)
        {
            var part = Math.Min(ChunkSize, length - copied);
            chunk.AsSpan(0, part).CopyTo(body.AsSpan(copied));
            copied += part;
        }

        foreach (var chunk in buffers)
        {
            reservation.Return(chunk);
        }

        buffers.Clear();
        return body;
    }
}
