using FaceApi.Core.Scheduling;

namespace FaceApi.Testing;

/// <summary>Threads' nice values as Linux reports them in /proc (proc_pid_stat(5), field 19).</summary>
public static class ThreadNiceness
{
    /// <summary>The calling thread's nice value.</summary>
    public static int OfCurrentThread() => Read("/proc/thread-self/stat");

    /// <summary>The nice value of the process's main thread, which lowered threads count from.</summary>
    public static int OfProcess() => Read("/proc/self/stat");

    /// <summary>The nice value of a thread lowered by <paramref name="niceness"/> steps.</summary>
    public static int Lowered(int niceness) => Math.Min(ComputeThreadPriority.MaxNice, OfProcess() + niceness);

    /// <summary>The thread ids and nice values of this process's threads named <paramref name="name"/>.</summary>
    public static Dictionary<int, int> OfThreadsNamed(string name)
    {
        // Linux keeps the first 15 bytes of a thread's name (TASK_COMM_LEN, 16 with the terminator).
        var comm = name.Length > 15 ? name[..15] : name;
        var threads = new Dictionary<int, int>();
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') == comm)
                {
                    threads[int.Parse(Path.GetFileName(task), System.Globalization.CultureInfo.InvariantCulture)] = Read(Path.Combine(task, "stat"));
                }
            }
            catch (IOException)
            {
                // The thread ended while being looked at.
            }
        }

        return threads;
    }

    // The command name in parentheses may hold spaces; the fields after it start with the state (field 3),
    // so the nice value, field 19, is the 17th after the closing parenthesis.
    private static int Read(string statPath)
    {
        var stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
