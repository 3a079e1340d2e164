using System.Runtime.InteropServices;

namespace FaceApi.Core.Scheduling;

/// <summary>
/// Lowers a thread's operating-system scheduling priority below the rest of the process, for the
/// threads that do a request's heavy computation (decoding, model runs). When the cores are busy,
/// the kernel then gives them first to the threads that accept connections and answer refusals, so
/// an overloaded service still says 503 at once instead of after the computation queued ahead.
/// </summary>
/// <remarks>
/// On Linux the nice value is a per-thread attribute, set with <c>setpriority(PRIO_PROCESS, 0, …)</c>
/// on the calling thread and inherited by the threads it creates (setpriority(2), "BUGS"; sched(7)).
/// .NET's <see cref="Thread.Priority"/> does nothing there, so it is set directly; raising one's own
/// nice value needs no privilege. Elsewhere <see cref="ThreadPriority.BelowNormal"/> is used.
/// </remarks>
public static partial class BackgroundPriority
{
    /// <summary>
    /// The nice value of background threads. Under the kernel's fair scheduler a thread's share of a
    /// busy core follows its weight: 1024 at nice 0 and 110 at nice 10 (sched_prio_to_weight in
    /// kernel/sched/core.c), so a request thread that wakes among busy background threads gets about
    /// nine times their share, and gets it at once. Work is never starved: idle cores still go to it.
    /// </summary>
    public const int LinuxNiceValue = 10;

    // PRIO_PROCESS from <sys/resource.h>; with who = 0 Linux applies it to the calling thread.
    private const int PriorityWhichProcess = 0;

    /// <summary>Lowers the calling thread's priority; false where the system refused (the thread keeps running as it was).</summary>
    public static bool LowerCurrentThread()
    {
        if (OperatingSystem.IsLinux())
        {
            return SetPriority(PriorityWhichProcess, 0, LinuxNiceValue) == 0;
        }

        Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
        return true;
    }

    /// <summary>
    /// Runs <paramref name="create"/> on a new thread of lowered priority and returns its result: for
    /// objects that start threads of their own (an ONNX Runtime session's intra-op thread pool), which
    /// then inherit the lowered priority on Linux, and the thread's name.
    /// </summary>
    /// <param name="threadName">The name of the thread, and on Linux of the threads it starts (15 characters are kept there).</param>
    /// <param name="create">What to run.</param>
    public static T CreateOnLoweredThread<T>(string threadName, Func<T> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        T? result = default;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            LowerCurrentThread();
            try
            {
                result = create();
            }
            catch (Exception ex)
            {
                failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex);
            }
        })
        {
            IsBackground = true,
            Name = threadName,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result!;
    }

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SetPriority(int which, uint who, int niceValue);
}
