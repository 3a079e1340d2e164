using FaceApi.Testing;

namespace FaceApi.Tests.Configuration;

/// <summary>
/// The service as an operator runs it, in its own process, with one setting changed from the test
/// settings, run until it exits: what counts for a bad setting is the exit code and what the service
/// prints. An in-memory host that fails to start can instead surface as WebApplicationFactory's own
/// ObjectDisposedException (its deferred host reads the services the failed app has already
/// disposed; seen in CI).
/// </summary>
internal static class MisconfiguredService
{
    /// <summary>Starts the service with <paramref name="setting"/> set to <paramref name="value"/> and waits up to 2 minutes for it to exit.</summary>
    /// <returns>The exited process, for its exit code and output; dispose it.</returns>
    public static async Task<ServiceProcess> RunUntilExitAsync(string setting, string value)
    {
        var settings = TestModelSettings.Create();
        // No models there: a setting that passes validation would still not make the service ready.
        settings["FaceApi:Models:Directory"] = Path.GetTempPath();
        settings[setting] = value;
        var service = ServiceProcess.Start("bad-setting", ServiceProcess.HostAssemblyBesideThisProgram(), settings);
        if (!await service.Child.WaitForExitAsync(TimeSpan.FromMinutes(2)))
        {
            var tail = service.Child.OutputTail;
            await service.DisposeAsync();
            Assert.Fail($"{setting}={value}: still running after 2 minutes.{Environment.NewLine}{tail}");
        }

        return service;
    }
}
