using System.Diagnostics;
using FaceApi.Testing;

namespace FaceApi.Tests.Metrics;

/// <summary>
/// Programs the tests run from the Debian package <c>prometheus</c> (<c>prometheus</c>,
/// <c>promtool</c>). Where one is missing a developer's run skips the test, while CI (whose
/// <c>.ci/run</c> installs the package) fails it, so a broken CI set-up cannot pass silently.
/// </summary>
public static class ExternalTool
{
    /// <summary>Full path of <paramref name="name"/> on PATH; a missing prerequisite (<see cref="CiEnvironment.MissingPrerequisite"/>) when absent.</summary>
    /// <param name="name">The program's file name.</param>
    /// <param name="installHint">How to install it, for the skip or failure message.</param>
    public static string Require(string name, string installHint = "install the Debian package prometheus (apt-get install -y prometheus)") =>
        CiEnvironment.RequireTool($"{installHint}.", name);

    /// <summary>Runs a tool to completion; its exit code and its stdout and stderr together.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string path, string workingDirectory, TimeSpan timeout, params string[] arguments) =>
        RunAsync(path, workingDirectory, timeout, new Dictionary<string, string>(), arguments);

    /// <summary>Runs a tool to completion with extra environment variables; its exit code and its stdout and stderr together.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string path, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] arguments)
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

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
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
