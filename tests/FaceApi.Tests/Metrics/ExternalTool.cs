using System.Diagnostics;

namespace FaceApi.Tests.Metrics;

/// <summary>
/// Programs the tests run from the Debian package <c>prometheus</c> (<c>prometheus</c>,
/// <c>promtool</c>). Where one is missing a developer's run skips the test, while CI (<c>CI=true</c>,
/// whose <c>.ci/run</c> installs the package) fails it, so a broken CI set-up cannot pass silently.
/// </summary>
public static class ExternalTool
{
    /// <summary>Full path of <paramref name="name"/> on PATH; skips or fails the test when absent.</summary>
    public static string Require(string name)
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
        if (found is not null)
        {
            return found;
        }

        var message = $"'{name}' is not on PATH; install the Debian package prometheus (apt-get install -y prometheus).";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"{message} CI=true, so this is a failure: .ci/run must install it.");
        }

        Assert.Skip(message);
        return name;
    }

    /// <summary>Runs a tool to completion; its exit code and its stdout and stderr together.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string path, string workingDirectory, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(path)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(path)} {string.Join(' ', arguments)} ran longer than {timeout}.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
