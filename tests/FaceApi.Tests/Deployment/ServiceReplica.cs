using System.Diagnostics;
using System.Runtime.InteropServices;
using FaceApi.Testing;

namespace FaceApi.Tests.Deployment;

/// <summary>
/// One FaceApi instance as its own process on a loopback port, run from the FaceApi.dll in this
/// test's output folder with the small test models, the way a container runs it
/// (<c>dotnet FaceApi.dll</c>). A separate process rather than WebApplicationFactory because the
/// test stops it with real signals and needs its port to really close.
/// </summary>
internal sealed class ServiceReplica : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly ChildProcess _process;

    private ServiceReplica(ChildProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Address => $"127.0.0.1:{Port}";

    public Uri ReadinessUri => new($"http://{Address}/health/ready");

    public ChildProcess Child => _process;

    /// <summary>
    /// Starts an instance. <paramref name="readinessDrainDelay"/> is
    /// FaceApi:Shutdown:ReadinessDrainDelay, what a replica behind a load balancer sets.
    /// </summary>
    public static ServiceReplica Start(string name, TimeSpan readinessDrainDelay)
    {
        // The test project references FaceApi, so the build copies FaceApi.dll with its
        // runtimeconfig.json, deps.json and appsettings.json into this output folder.
        var output = AppContext.BaseDirectory;
        foreach (var file in new[] { "FaceApi.dll", "FaceApi.runtimeconfig.json", "FaceApi.deps.json", "appsettings.json" })
        {
            Assert.True(File.Exists(Path.Combine(output, file)), $"{file} is missing from {output}; the service cannot run from there.");
        }

        var port = LoopbackPort.Free();
        var startInfo = new ProcessStartInfo(DotnetHost, ["FaceApi.dll", "--urls", $"http://127.0.0.1:{port}"])
        {
            // The content root is the working directory: appsettings.json is read from here.
            WorkingDirectory = output,
        };
        // Only the settings below: nothing inherited may move the port or the models.
        foreach (var key in startInfo.Environment.Keys.Where(IsServiceSetting).ToArray())
        {
            startInfo.Environment.Remove(key);
        }

        // The small real models from ../shared/testdata, on the CPU.
        foreach (var (key, value) in TestModelSettings.CreateEnvironment())
        {
            startInfo.Environment[key] = value;
        }

        startInfo.Environment["FaceApi__Inference__RequireGpu"] = "false";
        startInfo.Environment["FaceApi__Shutdown__ReadinessDrainDelay"] = readinessDrainDelay.ToString("c", System.Globalization.CultureInfo.InvariantCulture);
        return new ServiceReplica(ChildProcess.Start(name, startInfo), port);
    }

    /// <summary>Polls /health/ready until it answers 200; fails with the instance's log when it does not in time.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            Assert.False(_process.HasExited, $"{_process.Name} exited with code {(_process.HasExited ? _process.ExitCode : 0)} before it was ready.{Environment.NewLine}{_process.OutputTail}");
            try
            {
                using var response = await Probe.GetAsync(ReadinessUri, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Listening, but too busy starting up to answer within the probe's timeout.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        Assert.Fail($"{_process.Name} was not ready within {timeout}.{Environment.NewLine}{_process.OutputTail}");
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static bool IsServiceSetting(string key) =>
        key.StartsWith("FaceApi__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("ASPNETCORE_HTTP", StringComparison.OrdinalIgnoreCase)
        || key.Equals("ASPNETCORE_URLS", StringComparison.OrdinalIgnoreCase);

    /// <summary>The dotnet executable of the runtime running these tests, so the service runs on the same one.</summary>
    private static string DotnetHost
    {
        get
        {
            // .../dotnet/shared/Microsoft.NETCore.App/<version>/ -> .../dotnet/dotnet
            var runtimeDirectory = RuntimeEnvironment.GetRuntimeDirectory();
            var candidate = Path.GetFullPath(Path.Combine(runtimeDirectory, "..", "..", "..", "dotnet"));
            return File.Exists(candidate) ? candidate : "dotnet";
        }
    }
}
