using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FaceApi.Testing;

/// <summary>
/// The real service, <c>FaceApi.dll</c> of the same build, run as its own process on a loopback port
/// the way a container runs it (<c>dotnet FaceApi.dll</c>): its own GC heap, thread pool and
/// runtimeconfig exactly as deployed, real signals, a port that really closes. Used by the
/// deployment tests, the benchmark and the soak.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(5) };

    private ServiceProcess(ChildProcess child, int port)
    {
        Child = child;
        Port = port;
    }

    public ChildProcess Child { get; }

    public int Port { get; }

    /// <summary>Where it listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Address => new($"http://127.0.0.1:{Port}/");

    public Uri ReadinessUri => new(Address, "/health/ready");

    /// <summary>
    /// Starts <paramref name="hostAssembly"/> (FaceApi.dll; its folder is the content root, where
    /// appsettings.json is read) with exactly <paramref name="settings"/> (<c>FaceApi:Section:Key</c>
    /// or <c>FaceApi__Section__Key</c>) as environment variables: inherited FaceApi and URL variables
    /// are removed, so nothing outside the test moves the port or the models. The port is
    /// <paramref name="port"/>, or a free one the OS chooses; <paramref name="logPath"/> keeps the whole output;
    /// <paramref name="arguments"/> follow the URL arguments on the command line.
    /// </summary>
    public static ServiceProcess Start(
        string name,
        string hostAssembly,
        IEnumerable<KeyValuePair<string, string?>> settings,
        string? logPath = null,
        int? port = null,
        params string[] arguments)
    {
        if (!File.Exists(hostAssembly))
        {
            throw new FileNotFoundException($"{hostAssembly} is missing; the service cannot run from there.", hostAssembly);
        }

        var listenPort = port ?? LoopbackPort.Free();
        var start = new ProcessStartInfo(DotnetHost, [hostAssembly, "--urls", $"http://127.0.0.1:{listenPort}", .. arguments])
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(hostAssembly))!,
        };
        foreach (var key in start.Environment.Keys.Where(IsServiceSetting).ToArray())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return new ServiceProcess(ChildProcess.Start(name, start, logPath), listenPort);
    }

    /// <summary>FaceApi.dll in the running program's output folder, where a project reference to FaceApi copies it.</summary>
    public static string HostAssemblyBesideThisProgram()
    {
        var output = AppContext.BaseDirectory;
        foreach (var file in new[] { "FaceApi.dll", "FaceApi.runtimeconfig.json", "FaceApi.deps.json", "appsettings.json" })
        {
            if (!File.Exists(Path.Combine(output, file)))
            {
                throw new FileNotFoundException($"{file} is missing from {output}; the service cannot run from there.");
            }
        }

        return Path.Combine(output, "FaceApi.dll");
    }

    /// <summary>Waits until readiness answers 200; throws with the service's last output when it exits, fails to load or takes longer than <paramref name="timeout"/>.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await ServiceReadiness.WaitForStateAsync(
                Probe, ReadinessUri, "ready", timeout, cancellationToken,
                whyGone: () => Child.HasExited ? $"{Child.Name} exited with code {Child.ExitCode}." : null);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
        {
            throw new InvalidOperationException($"{exception.Message}{Environment.NewLine}{Child.OutputTail}", exception);
        }
    }

    /// <summary>Stops it with SIGTERM, as an orchestrator does, and waits for the graceful exit; kills it after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (Child.HasExited)
        {
            return;
        }

        Child.Signal(ChildProcess.SigTerm);
        await Child.WaitForExitAsync(grace);
    }

    /// <summary>Kills it if it still runs.</summary>
    public ValueTask DisposeAsync() => Child.DisposeAsync();

    private static bool IsServiceSetting(string key) =>
        key.StartsWith("FaceApi__", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("ASPNETCORE_HTTP", StringComparison.OrdinalIgnoreCase)
        || key.Equals("ASPNETCORE_URLS", StringComparison.OrdinalIgnoreCase);

    /// <summary>The dotnet executable of the runtime running this program, so the service runs on the same one.</summary>
    private static string DotnetHost
    {
        get
        {
            // .../dotnet/shared/Microsoft.NETCore.App/<version>/ -> .../dotnet/dotnet
            var candidate = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
            return File.Exists(candidate) ? candidate : "dotnet";
        }
    }
}
