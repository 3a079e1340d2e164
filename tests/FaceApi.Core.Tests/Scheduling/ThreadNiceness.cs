namespace FaceApi.Core.Tests.Scheduling;

/// <summary>Reads Linux nice values from procfs, the kernel's own account of a thread's priority.</summary>
internal static class ThreadNiceness
{
    /// <summary>The calling thread's nice value.</summary>
    public static int OfCurrentThread() => Parse(File.ReadAllText("/proc/thread-self/stat"));

    /// <summary>Nice values of this process's threads named <paramref name="name"/>.</summary>
    public static IReadOnlyList<int> OfThreadsNamed(string name) =>
        Directory.GetDirectories("/proc/self/task")
            .Select(task => (Name: TryRead(Path.Combine(task, "comm"))?.Trim(), Stat: TryRead(Path.Combine(task, "stat"))))
            .Where(thread => thread.Name == name && thread.Stat is not null)
            .Select(thread => Parse(thread.Stat!))
            .ToList();

    // proc_pid_stat(5): after the parenthesised name come state (field 3) ... nice (field 19).
    private static int Parse(string stat) =>
        int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture);

    // A thread may end between listing and reading.
    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
