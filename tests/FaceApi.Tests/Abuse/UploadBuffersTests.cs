using System.Runtime.CompilerServices;
using FaceApi.Uploads;

namespace FaceApi.Tests.Abuse;

/// <summary>Large body buffers go back to the garbage collector, not into a pool that keeps them after an attack.</summary>
public sealed class UploadBuffersTests
{
    [Fact]
    public void A_large_buffer_given_back_is_reclaimed_by_the_garbage_collector()
    {
        var buffer = RentAndGiveBack(UploadBuffers.LargestPooled + 1);

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();

        Assert.False(buffer.TryGetTarget(out _), "a body buffer over 1 MiB was kept alive after it was given back");
    }

    [Fact]
    public void A_small_buffer_is_reused_from_the_pool()
    {
        var first = UploadBuffers.Rent(64 * 1024);
        UploadBuffers.Return(first);

        // ArrayPool<byte>.Shared keeps the last array a thread returned of each size for that thread.
        Assert.Same(first, UploadBuffers.Rent(64 * 1024));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData((64 * 1024) + 1)]
    [InlineData(UploadBuffers.LargestPooled)]
    [InlineData(UploadBuffers.LargestPooled + 1)]
    public void The_length_reserved_for_a_buffer_is_the_length_it_is_given(int minimumLength)
    {
        var buffer = UploadBuffers.Rent(minimumLength);
        UploadBuffers.Return(buffer);

        Assert.Equal(buffer.Length, UploadBuffers.LengthOf(minimumLength));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<byte[]> RentAndGiveBack(int length)
    {
        var buffer = UploadBuffers.Rent(length);
        Assert.True(buffer.Length >= length);
        UploadBuffers.Return(buffer);
        return new WeakReference<byte[]>(buffer);
    }
}
