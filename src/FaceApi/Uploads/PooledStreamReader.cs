using FaceApi.Errors;

namespace FaceApi.Uploads;

/// <summary>
/// Reads a stream to its end into one array from <see cref="UploadBuffers"/>, within a limit. Memory grows
/// with what actually arrives (doubling from 64 KiB), not with what a header claims, so a connection
/// that announces 50 MB and sends 1 KB/s holds kilobytes. Nothing is ever spooled to disk.
/// </summary>
internal static class PooledStreamReader
{
    // A 20 MB image costs 9 doublings and about 20 MB of copying (milliseconds).
    private const int InitialCapacity = 64 * 1024;

    /// <summary>Reads until the end of <paramref name="stream"/>, or until <paramref name="expectedLength"/> bytes when it is known.</summary>
    /// <returns>The array, which the caller gives back with <see cref="UploadBuffers.Return"/>, and the length read into it.</returns>
    public static async Task<(byte[] Buffer, int Length)> ReadAsync(
        Stream stream,
        long limit,
        long? expectedLength,
        Func<ApiProblemException> tooLarge,
        CancellationToken cancellationToken)
    {
        // One byte past the limit tells "exactly at the limit" from "over it".
        var capacity = Math.Min(limit + 1, Array.MaxLength);
        var buffer = UploadBuffers.Rent((int)Math.Min(expectedLength ?? InitialCapacity, Math.Min(capacity, InitialCapacity)));
        var length = 0;
        try
        {
            while (expectedLength is null || length < expectedLength)
            {
                if (length == buffer.Length)
                {
                    var larger = UploadBuffers.Rent((int)Math.Min((long)buffer.Length * 2, capacity));
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
}
