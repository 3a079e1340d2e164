using System.Diagnostics;
using System.Net.Sockets;
using FaceApi.Testing;

namespace FaceApi.Tests.Deployment;

/// <summary>
/// Debian's nginx running the shipped deploy/nginx/faceapi.conf in front of local replicas. The
/// config is rendered by deploy/nginx/render-loopback.sh, the script deploy/lint.sh checks it
/// with, which changes only the upstream servers (loopback ports for Docker's `faceapi` name,
/// keeping max_fails and fail_timeout) and the listen address; least_conn, the passive health
/// check and proxy_next_upstream are the shipped ones.
/// </summary>
internal sealed class NginxLoadBalancer : IAsyncDisposable
{
    // Debian installs nginx in /usr/sbin, which is not on a non-root user's PATH.
    private static readonly string[] SbinFolders = ["/usr/sbin", "/usr/local/sbin", "/sbin"];

    private readonly ChildProcess _process;
    private readonly DirectoryInfo _prefix;

    private NginxLoadBalancer(ChildProcess process, DirectoryInfo prefix, int port)
    {
        _process = process;
        _prefix = prefix;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseAddress { get; }

    public string OutputTail => _process.OutputTail;

    /// <summary>Full path of the nginx executable, or null when nginx is not installed.</summary>
    public static string? FindExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(SbinFolders)
            .Select(folder => Path.Combine(folder, "nginx"))
            .FirstOrDefault(File.Exists);

    public static async Task<NginxLoadBalancer> StartAsync(
        string executable, IReadOnlyList<string> upstreams, CancellationToken cancellationToken)
    {
        var repository = TestData.RepositoryRoot ?? throw new InvalidOperationException("The repository root (FaceApi.sln) was not found.");
        var prefix = Directory.CreateTempSubdirectory("faceapi-nginx-");
        var port = LoopbackPort.Free();
        await RenderAsync(Path.Combine(repository, "deploy", "nginx", "render-loopback.sh"), prefix.FullName, port, upstreams);

        // In the foreground (daemon off), so the test owns the master process and its workers.
        var process = ChildProcess.Start("nginx", new ProcessStartInfo(
            executable,
            ["-e", "stderr", "-p", prefix.FullName, "-c", Path.Combine(prefix.FullName, "nginx.conf"), "-g", "daemon off;"]));
        var balancer = new NginxLoadBalancer(process, prefix, port);
        try
        {
            await balancer.WaitUntilListeningAsync(cancellationToken);
            return balancer;
        }
        catch
        {
            await balancer.DisposeAsync();
            throw;
        }
    }

    /// <summary>The access log so far: one entry per request, with every upstream nginx tried for it.</summary>
    public IReadOnlyList<NginxAccessLogEntry> ReadAccessLog()
    {
        var path = Path.Combine(_prefix.FullName, "access.log");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var entries = new List<NginxAccessLogEntry>();
        while (reader.ReadLine() is { } line)
        {
            entries.Add(NginxAccessLogEntry.Parse(line));
        }

        return entries;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM is nginx's fast shutdown: the master stops its workers, then exits. A SIGKILL
            // of the master alone would leave the workers holding the port.
            _process.Signal(ChildProcess.SigTerm);
            await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        await _process.DisposeAsync();
        _prefix.Delete(recursive: true);
    }

    private static async Task RenderAsync(string script, string prefix, int port, IReadOnlyList<string> upstreams)
    {
        var startInfo = new ProcessStartInfo("bash", [script, prefix, port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. upstreams]);
        await using var render = ChildProcess.Start("render-loopback.sh", startInfo);
        Assert.True(await render.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"render-loopback.sh did not finish.{Environment.NewLine}{render.OutputTail}");
        Assert.True(render.ExitCode == 0, $"render-loopback.sh failed with exit code {render.ExitCode}.{Environment.NewLine}{render.OutputTail}");
    }

    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            Assert.False(_process.HasExited, $"nginx exited with code {(_process.HasExited ? _process.ExitCode : 0)}.{Environment.NewLine}{_process.OutputTail}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(BaseAddress.Host, BaseAddress.Port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }

        Assert.Fail($"nginx did not listen on {BaseAddress} within 10 s.{Environment.NewLine}{_process.OutputTail}");
    }
}
