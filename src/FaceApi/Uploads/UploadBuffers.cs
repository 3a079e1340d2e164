using System.Buffers;
using System.Numerics;

namespace FaceApi.Uploads;

/// <summary>
/// Byte arrays for request bodies (and for unescaping a base64 image in JSON). Small ones come from
/// <see cref="ArrayPool{T}.Shared"/>; large ones are plain arrays of whole MiB, which bodies keep for
/// reuse within their budget (<see cref="Hosting.BufferedBodySpares"/>) and others leave to the collector.
/// The shared pool keeps up to 32 arrays of each size per core and lets one go only after it has sat
/// unused for a minute, at a full collection, so pooling the 32 and 64 MiB arrays of maximal bodies
/// kept hundreds of megabytes alive after an attack (<c>deploy/attacks/replay.py --quick</c>: a
/// managed heap of 430 MiB after 20 s idle, against about 180 MiB in steady state).
/// </summary>
internal static class UploadBuffers
{
    // 1 MiB: the bodies of aligned crops and of most phone photos fit and keep the pool's speed; above
    // it one allocation costs little next to receiving the bytes, and the idle trimmer
    // (Hosting/IdleMemoryTrimmer.cs) gives the memory back after a burst.
    internal const int LargestPooled = 1 << 20;

    /// <summary>An array of at least <paramref name="minimumLength"/> bytes; give it back with <see cref="Return"/>.</summary>
    public static byte[] Rent(int minimumLength) => minimumLength <= LargestPooled
        ? ArrayPool<byte>.Shared.Rent(minimumLength)
        : GC.AllocateUninitializedArray<byte>(LengthOf(minimumLength));

    /// <summary>The length of the array <see cref="Rent"/> gives for <paramref name="minimumLength"/> (at least 1) bytes, so it can be reserved before it exists.</summary>
    // ArrayPool<byte>.Shared's buckets are powers of two from 16 bytes (SharedArrayPool's
    // Utilities.SelectBucketIndex in dotnet/runtime); UploadBuffersTests checks this against Rent.
    // Larger ones are whole MiB, so that bodies of about the same size can share a kept array
    // (Hosting/BufferedBodySpares.cs) at a cost of under 1 MiB each.
    public static int LengthOf(int minimumLength) => minimumLength <= LargestPooled
        ? (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(minimumLength, 16))
        : (int)Math.Min(((long)minimumLength + LargestPooled - 1) / LargestPooled * LargestPooled, Array.MaxLength);

    /// <summary>Returns a pooled array to the pool; a large one is left to the garbage collector.</summary>
    public static void Return(byte[] buffer)
    {
        // Rent hands out pooled arrays of at most LargestPooled bytes (a power of two) and plain ones above it.
        if (buffer.Length <= LargestPooled)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
