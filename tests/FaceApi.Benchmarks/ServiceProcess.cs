using System.Diagnostics;
using System.Net;
using FaceApi.Testing;

namespace FaceApi.Benchmarks;

/// <summary>
/// The real service, <c>FaceApi.dll</c> of the same build, run as a child process on a loopback
/// port: its own GC heap, thread pool and runtimeconfig (Server GC, tiering) exactly as deployed, so
/// the load generator's work does not blur its allocations and its CPU time can be read apart.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    // Loading and warming IResNet-50 (every warm-up batch size on every session) takes tens of
    // seconds on 2 cores; measured 25-40 s for MaxBatchSize 8.
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(5);
    private const int LogLinesKept = 40;

    private readonly Process _process;
    private readonly Queue<string> _recentOutput = new();

    private ServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>CPU time the service process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    /// <summary>Starts the host with <paramref name="settings"/> as environment variables and waits until it is ready.</summary>
    public static async Task<ServiceProcess> StartAsync(string hostAssembly, IReadOnlyDictionary<string, string> settings, HttpClient client)
    {
        var address = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        var start = new ProcessStartInfo("dotnet")
        {
            // appsettings.json is read from the content root, the current directory by default.
            WorkingDirectory = Path.GetDirectoryName(hostAssembly)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(hostAssembly);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(address.ToString());
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started.");
        var service = new ServiceProcess(process, address);
        // The pipes must be drained, or a full pipe would block the service's logger.
        process.OutputDataReceived += (_, line) => service.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => service.Keep(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await service.WaitUntilReadyAsync(client);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task WaitUntilReadyAsync(HttpClient client)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(ReadyTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The service exited with code {_process.ExitCode}:{Environment.NewLine}{RecentOutput}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(Address, "/health/ready"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                var body = await response.Content.ReadAsStringAsync();
                if (body.Contains("\"failed\"", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"The service could not load its models: {body}{Environment.NewLine}{RecentOutput}");
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        throw new TimeoutException($"The service was not ready within {ReadyTimeout}:{Environment.NewLine}{RecentOutput}");
    }

    private string RecentOutput
    {
        get
        {
            lock (_recentOutput)
            {
                return string.Join(Environment.NewLine, _recentOutput);
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_recentOutput)
        {
            _recentOutput.Enqueue(line);
            if (_recentOutput.Count > LogLinesKept)
            {
                _recentOutput.Dequeue();
            }
        }
    }
}
