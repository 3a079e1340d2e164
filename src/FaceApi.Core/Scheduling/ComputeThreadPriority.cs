using System.Runtime.InteropServices;

namespace FaceApi.Core.Scheduling;

/// <summary>
/// Lowers the scheduling priority of a thread that runs models or decodes images, so that when the
/// cores are all busy the threads that answer requests (the thread pool's: reading uploads, refusing
/// under load, writing answers) are scheduled first. The compute threads still get every core the
/// request threads leave idle, which under photo load is nearly all of it.
/// </summary>
/// <remarks>
/// On Linux this is the thread's nice value, set that many steps above the nice value of the process's
/// main thread (so a process started niced keeps its place). It is a per-thread attribute that threads inherit
/// from the thread that creates them: ONNX Runtime's intra-op threads, made when a session is created,
/// get it when the session is created on a lowered thread (<see cref="Inference.InferenceSessionPool"/>).
/// A thread-pool thread would get it too if the runtime started it on a lowered thread, which it can
/// when a lowered thread queues a continuation while the pool is short of threads; it could not be
/// raised again without privilege. Not seen: after five 200-photo bursts 25 s apart (pool threads
/// retire after 20 s idle), and after two 10 s floods, every thread-pool thread was at nice 0
/// (2-core development VM, 2 December 2026). Elsewhere than Linux it is
/// <see cref="ThreadPriority.BelowNormal"/> for the calling thread alone, whatever the number of
/// steps, and threads it starts keep their own priority.
/// </remarks>
public static class ComputeThreadPriority
{
    /// <summary>The highest nice value, the lowest priority (setpriority(2)).</summary>
    public const int MaxNice = 19;

    // PRIO_PROCESS from <sys/resource.h>. On Linux, who names a thread: 0 the calling one, the process
    // id the main one (setpriority(2), BUGS: the nice value is a per-thread attribute).
    private const int PrioProcess = 0;

    // Set once the C library turns out to lack these calls, so they are not tried again.
    private static bool _unavailable;

    /// <summary>
    /// Starts a background thread named <paramref name="name"/> that lowers itself by
    /// <paramref name="niceness"/> steps, then runs <paramref name="work"/>.
    /// </summary>
    public static Thread StartThread(string name, int niceness, Action work)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(niceness);
        ArgumentNullException.ThrowIfNull(work);
        var thread = new Thread(() =>
        {
            LowerCurrentThread(niceness);
            work();
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }

    /// <summary>
    /// Sets the calling thread <paramref name="niceness"/> nice steps below the process's main thread
    /// (0: leaves it as it is).
    /// </summary>
    private static void LowerCurrentThread(int niceness)
    {
        if (niceness == 0)
        {
            return;
        }

        if (!OperatingSystem.IsLinux())
        {
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
            return;
        }

        if (_unavailable)
        {
            return;
        }

        try
        {
            // Raising a nice value needs no privilege. A failure leaves the thread at its priority, which
            // is correct, only less kind to requests under load, so it is not an error.
            var processNice = GetPriority(PrioProcess, (uint)Environment.ProcessId);
            _ = SetPriority(PrioProcess, 0, Math.Min(MaxNice, processNice + niceness));
        }
        catch (Exception exception) when (exception is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
        }
    }

    // DllImport rather than LibraryImport, whose generated code needs AllowUnsafeBlocks in the project.
    [DllImport("libc", EntryPoint = "getpriority")]
    private static extern int GetPriority(int which, uint who);

    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, uint who, int niceness);
}
