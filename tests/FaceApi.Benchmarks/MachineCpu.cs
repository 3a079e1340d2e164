using System.Globalization;

namespace FaceApi.Benchmarks;

/// <summary>
/// The whole machine's busy CPU time from <c>/proc/stat</c>, so a cell can report how much CPU
/// processes other than the service and the load generator took while it ran (other builds on a
/// shared machine). Zero where <c>/proc/stat</c> does not exist.
/// </summary>
internal static class MachineCpu
{
    private const string StatFile = "/proc/stat";

    // USER_HZ, the unit of /proc/stat; 100 on every mainstream Linux architecture (man 5 proc).
    private const double TicksPerSecond = 100;

    /// <summary>Busy time of all CPUs together since boot: user, nice, system, irq, softirq, steal.</summary>
    public static TimeSpan BusyTime()
    {
        if (!File.Exists(StatFile))
        {
            return TimeSpan.Zero;
        }

        using var reader = new StreamReader(StatFile);
        var fields = (reader.ReadLine() ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 9 || fields[0] != "cpu")
        {
            return TimeSpan.Zero;
        }

        // cpu user nice system idle iowait irq softirq steal ...
        int[] busyFields = [1, 2, 3, 6, 7, 8];
        var ticks = busyFields.Sum(i => long.Parse(fields[i], CultureInfo.InvariantCulture));
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>The 1-minute load average, or NaN where it cannot be read.</summary>
    public static double LoadAverage()
    {
        const string LoadFile = "/proc/loadavg";
        return File.Exists(LoadFile)
            && double.TryParse(File.ReadAllText(LoadFile).Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load)
            ? load
            : double.NaN;
    }
}
