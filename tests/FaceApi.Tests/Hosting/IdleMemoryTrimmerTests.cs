using FaceApi.Hosting;

namespace FaceApi.Tests.Hosting;

public sealed class IdleMemoryTrimmerTests
{
    private const long MiB = 1L << 20;
    private static readonly TimeSpan LongAgo = TimeSpan.FromMinutes(5);

    [Fact]
    public void CollectsWhenQuietAfterTheHeapGrew() =>
        Assert.True(IdleMemoryTrimmer.ShouldCollect(allocatedInInterval: 100 * 1024, heapBytes: 400 * MiB, smallestHeapBytes: 150 * MiB, LongAgo));

    [Fact]
    public void NeverCollectsWhileRequestsAllocate() =>
        Assert.False(IdleMemoryTrimmer.ShouldCollect(allocatedInInterval: 30 * MiB, heapBytes: 400 * MiB, smallestHeapBytes: 150 * MiB, LongAgo));

    [Fact]
    public void LeavesASmallGrowthAlone() =>
        Assert.False(IdleMemoryTrimmer.ShouldCollect(0, 150 * MiB + IdleMemoryTrimmer.GrowthBytes - 1, 150 * MiB, LongAgo));

    [Fact]
    public void RepeatsNoSoonerThanItsInterval()
    {
        Assert.False(IdleMemoryTrimmer.ShouldCollect(0, 400 * MiB, 150 * MiB, IdleMemoryTrimmer.RepeatAfter - TimeSpan.FromMilliseconds(1)));
        Assert.True(IdleMemoryTrimmer.ShouldCollect(0, 400 * MiB, 150 * MiB, IdleMemoryTrimmer.RepeatAfter));
    }

    [Fact]
    public void QuietMeansUnderTheAllocationBound()
    {
        Assert.False(IdleMemoryTrimmer.ShouldCollect(IdleMemoryTrimmer.QuietAllocationBytes, 400 * MiB, 150 * MiB, LongAgo));
        Assert.True(IdleMemoryTrimmer.ShouldCollect(IdleMemoryTrimmer.QuietAllocationBytes - 1, 400 * MiB, 150 * MiB, LongAgo));
    }
}
