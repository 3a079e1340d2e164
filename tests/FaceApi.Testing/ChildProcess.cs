using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace FaceApi.Testing;

/// <summary>
/// A process the test starts and always ends: its output is drained (a full pipe would block it)
/// and the last lines kept for failure messages (and, when asked, every line written to a log file);
/// it can be sent a Unix signal; disposing kills it and its children if it is still running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    // signal(7) numbers on Linux.
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private const int OutputLinesKept = 200;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private StreamWriter? _log;

    private ChildProcess(Process process) => _process = process;

    public string Name { get; private init; } = "";

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process wrote to stdout and stderr, oldest first.</summary>
    public IReadOnlyList<string> OutputLines => _output.ToArray();

    /// <summary>The last lines the process wrote to stdout and stderr, for failure messages.</summary>
    public string OutputTail => $"--- {Name} (pid {_process.Id}) output, last lines ---{Environment.NewLine}{string.Join(Environment.NewLine, _output)}";

    /// <summary>CPU time the process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Resident set size in MiB, from /proc (Linux).</summary>
    public double ResidentMiB()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kib = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return kib / 1024.0;
    }

    /// <summary>Starts the process; with <paramref name="logPath"/>, every line it writes is also appended there.</summary>
    public static ChildProcess Start(string name, ProcessStartInfo startInfo, string? logPath = null)
    {
        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.UseShellExecute = false;
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var child = new ChildProcess(process) { Name = name };
        if (logPath is not null)
        {
            child._log = new StreamWriter(logPath) { AutoFlush = true };
        }

        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Sends a signal with kill(2). Process.Kill only sends SIGKILL, and a graceful stop needs
    /// SIGTERM: what Docker, Kubernetes and systemd send first.
    /// </summary>
    public void Signal(int signal)
    {
        if (Kill(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Waits for the process to exit; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        if (_log is not null)
        {
            await _log.DisposeAsync();
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (_log is not null)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }

        _output.Enqueue(line);
        while (_output.Count > OutputLinesKept)
        {
            _output.TryDequeue(out _);
        }
    }

    // DllImport rather than LibraryImport, whose generated code needs AllowUnsafeBlocks in the project.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
