using FaceApi.Models;

namespace FaceApi.Hosting;

/// <summary>
/// Gives memory back to the operating system once the service has gone quiet after a burst. Large
/// uploads leave hundreds of megabytes of dead buffers on the managed heap, and an idle process
/// allocates nothing, so no collection runs to free them: measured with
/// <c>deploy/attacks/replay.py --quick</c>, RSS went from 235 MiB to 600 MiB during the issue-13
/// attacks and stayed there through 20 s of idling, with 300 MiB of it managed heap. When allocation
/// has been quiet for a whole interval and the heap is well above the smallest size a collection has
/// left it at, an aggressive, compacting, full collection returns the difference. Under load
/// allocation never goes quiet, so the collection never competes with requests. While the heap stays
/// large (buffers that pools release only after they have sat unused for a minute, at a full
/// collection) it repeats, at most every <see cref="RepeatAfter"/>. The first quiet interval after
/// activity also frees the image decoder's pool of pixel buffers, native memory no collection returns:
/// after a burst of 200 photos RSS stayed 46 MiB up through 60 s of idling (replay attack 10). Then the
/// C library's heap gives its free memory back (<see cref="NativeHeap"/>), which it otherwise keeps.
/// </summary>
public sealed class IdleMemoryTrimmer(ILogger<IdleMemoryTrimmer> logger, FaceEngine engine) : BackgroundService
{
    // Sampling interval: short enough that memory comes back within seconds of a burst's end (issue 13
    // asks for it within 60 s), long enough that a pause between two requests is not taken for idleness.
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    // "Quiet": under 1 MiB allocated in an interval. One aligned /embed allocates about 70 KB and a
    // /metrics scrape or a health probe tens of KB (tests/FaceApi.Benchmarks/README.md), so 1 MiB
    // in 5 s is at most a trickle of probes, while a single photo request allocates more.
    internal const long QuietAllocationBytes = 1L << 20;

    // ArrayPool<T>.Shared gives back arrays unused for 60 s, at a full collection (its TrimAfterMS);
    // half that lets a pool's release follow within a minute and a half of the burst's end.
    internal static readonly TimeSpan RepeatAfter = TimeSpan.FromSeconds(30);

    // Growth worth a full collection: 16 MiB. Issue 13 wants RSS back within 1.5x of a steady state of
    // about 230 MiB (test models), and a burst of 200 photos left the heap 20 MiB up, below the 64 MiB
    // this was before, so nothing collected it: RSS 251 MiB after 45 s idle, 241 MiB with it collected
    // (steady 221). An idle collection costs milliseconds, and repeats only while the heap stays up.
    internal const long GrowthBytes = 16L << 20;

    /// <summary>
    /// Whether to collect now, given what was allocated in the last interval, the heap's size, the
    /// smallest size a collection has left it at, and the time since the last such collection.
    /// </summary>
    internal static bool ShouldCollect(long allocatedInInterval, long heapBytes, long smallestHeapBytes, TimeSpan sinceLastCollection) =>
        allocatedInInterval < QuietAllocationBytes && heapBytes - smallestHeapBytes >= GrowthBytes && sinceLastCollection >= RepeatAfter;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var allocated = GC.GetTotalAllocatedBytes();
        // Read at start-up, before the models load, so below any idle heap of a running service: while
        // pools hold their buffers, collections repeat every RepeatAfter and free little. Taking it at
        // the first quiet moment instead took it after a first burst, with the burst's buffers in it,
        // and nothing was collected after later ones (replay attacks 1 and 2: 240 and 256 MiB of managed
        // heap after 60 s idle).
        var smallestHeap = GC.GetTotalMemory(forceFullCollection: false);
        System.Diagnostics.Stopwatch? sinceLastCollection = null; // none yet: the first may come at once
        var busySincePoolsReleased = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var nowAllocated = GC.GetTotalAllocatedBytes();
            var heap = GC.GetTotalMemory(forceFullCollection: false);
            var quiet = nowAllocated - allocated < QuietAllocationBytes;
            if (!quiet)
            {
                busySincePoolsReleased = true;
            }
            else if (busySincePoolsReleased && engine.Models is { } models)
            {
                models.Pipeline.ReleaseRetainedMemory();
                NativeHeap.ReturnFreeMemory();
                busySincePoolsReleased = false;
            }

            if (ShouldCollect(nowAllocated - allocated, heap, smallestHeap, sinceLastCollection?.Elapsed ?? TimeSpan.MaxValue))
            {
                // Aggressive mode decommits the freed segments instead of keeping them for reuse.
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                // Finalizers release native memory (safe handles) only after the collection.
                NativeHeap.ReturnFreeMemory();
                var after = GC.GetTotalMemory(forceFullCollection: false);
                smallestHeap = Math.Min(smallestHeap, after);
                sinceLastCollection = System.Diagnostics.Stopwatch.StartNew();
                // While pools hold their buffers the collection repeats and frees little: worth a debug line only.
                logger.Log(
                    heap - after >= GrowthBytes ? LogLevel.Information : LogLevel.Debug,
                    "Idle after a burst: a full collection took the managed heap from {BeforeMiB} MiB to {AfterMiB} MiB",
                    heap >> 20,
                    after >> 20);
            }

            allocated = GC.GetTotalAllocatedBytes();
        }
    }
}
