using System.Diagnostics;
using FaceApi.Testing;

namespace FaceApi.Tests.OpenApi;

/// <summary>
/// Debian's <c>chromium</c> run headless as a one-shot command: it loads a page, lets its scripts
/// run for a budget of virtual time (Swagger UI renders client-side), and prints the DOM. No
/// browser-driver package needed.
/// </summary>
internal sealed class HeadlessChromium(string executable)
{
    private static readonly string[] ExecutableNames = ["chromium", "chromium-browser", "google-chrome"];

    // Swagger UI has fetched and rendered its document after about 1 s; 5 s leaves room on a busy machine.
    private const int VirtualTimeBudgetMilliseconds = 5_000;

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    /// <summary>The browser; a missing prerequisite (<see cref="CiEnvironment.MissingPrerequisite"/>) when it is not installed.</summary>
    public static HeadlessChromium RequireOrSkip() =>
        new(CiEnvironment.RequireTool("apt-get install -y chromium; the Swagger UI test needs it.", ExecutableNames));

    /// <summary>The page's DOM after its scripts ran.</summary>
    public Task<string> DumpDomAsync(Uri page) => RunAsync(["--dump-dom", page.AbsoluteUri]);

    private async Task<string> RunAsync(IEnumerable<string> arguments)
    {
        var profile = Directory.CreateTempSubdirectory("faceapi-chromium-");
        try
        {
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start. The rest
            // keep it off the network except for the page under test.
            foreach (var argument in (string[])[
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                $"--user-data-dir={profile.FullName}", $"--virtual-time-budget={VirtualTimeBudgetMilliseconds}",
                .. arguments])
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(Timeout);
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var errors = process.StandardError.ReadToEndAsync(timeout.Token);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {await errors}");
            return await output;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
