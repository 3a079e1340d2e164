using System.Runtime.InteropServices;
using FaceApi.Hosting;
using FaceApi.Testing;
using FaceApi.Tests.Hardening;

namespace FaceApi.Tests.Hosting;

/// <summary>Memory freed on the C library's heap goes back to the system when the idle trimmer asks.</summary>
[Collection(SerialCollection.Name)]
public sealed class NativeHeapTests
{
    private const int BlockBytes = 64 * 1024; // below glibc's 128 KiB mmap threshold (mallopt(3)), so arena memory
    private const int Blocks = 2048;          // 128 MiB

    [Fact]
    public void Freed_native_memory_leaves_the_process_once_returned()
    {
        if (!OperatingSystem.IsLinux())
        {
            CiEnvironment.MissingPrerequisite("Linux with glibc: the process's resident size is read from /proc/self/statm.");
        }

        var ones = Enumerable.Repeat((byte)1, BlockBytes).ToArray();
        var blocks = new IntPtr[Blocks];
        for (var i = 0; i < Blocks; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(BlockBytes);
            // Written, so its pages are resident.
            Marshal.Copy(ones, 0, blocks[i], BlockBytes);
        }

        // One block allocated after them and kept stays on top of the heap, so free() alone cannot
        // shrink it from the top: only returning free memory from inside the heap lowers RSS.
        var keeper = Marshal.AllocHGlobal(BlockBytes);
        foreach (var block in blocks)
        {
            Marshal.FreeHGlobal(block);
        }

        var afterFree = ResidentMiB();
        NativeHeap.ReturnFreeMemory();
        var afterReturn = ResidentMiB();
        Marshal.FreeHGlobal(keeper);

        Assert.True(afterFree - afterReturn >= 64, $"RSS {afterFree} MiB after freeing 128 MiB, {afterReturn} MiB after returning free memory");
    }

    // /proc/self/statm: sizes in pages, resident second (proc(5)).
    private static long ResidentMiB() =>
        long.Parse(File.ReadAllText("/proc/self/statm").Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize >> 20;
}
