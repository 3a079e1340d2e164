using System.Runtime.InteropServices;

namespace FaceApi.Hosting;

/// <summary>
/// The C library's heap, where ONNX Runtime, the image decoder's pixel pool and the runtime itself
/// allocate. glibc keeps memory freed there in its arenas for reuse rather than returning it to the
/// system, so RSS kept part of every burst through any idle time: after number bombs, metadata bombs,
/// 200 photos and 7000x7000 PNGs (<c>deploy/attacks/replay.py</c> attacks 1, 2, 10, 6, 45 s idle
/// after each), RSS stood at 267 MiB against 231 MiB steady, and <c>malloc_trim(0)</c> called from a
/// debugger brought it to 252 MiB; with the idle trimmer calling it, the same run ended at 254 MiB.
/// </summary>
internal static class NativeHeap
{
    // Set once malloc_trim turns out to be missing (a C library other than glibc, such as musl, or
    // another operating system), so the call is not tried again.
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>Returns the free memory of the C library's heap to the system, where the library can (glibc).</summary>
    public static void ReturnFreeMemory()
    {
        if (_unavailable)
        {
            return;
        }

        try
        {
            // glibc's malloc_trim(3): with pad 0 it releases free pages throughout every arena, not only at the top.
            _ = MallocTrim(0);
        }
        catch (Exception exception) when (exception is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
        }
    }

    // DllImport rather than LibraryImport, whose generated code needs AllowUnsafeBlocks in the project.
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
