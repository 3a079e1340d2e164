using System.Net.Sockets;
using FaceApi.Testing;

namespace FaceApi.Tests.Hosting;

/// <summary>
/// <c>--provision-models-only</c>, as compose and Kubernetes run it before the replicas: it makes sure
/// the model files are in place and exits (0 when they are, 1 when not), without serving anything.
/// </summary>
public sealed class ProvisionOnlyTests
{
    // Starting .NET and checking two files: seconds; minutes allow for a busy machine.
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task With_the_models_in_place_it_exits_0_without_listening()
    {
        TestData.RequireAvailable();
        await using var service = ServiceProcess.Start(
            "provision-only", ServiceProcess.HostAssemblyBesideThisProgram(), TestModelSettings.Create(), arguments: "--provision-models-only");

        Assert.True(await service.Child.WaitForExitAsync(ExitTimeout), $"Still running after {ExitTimeout}.{Environment.NewLine}{service.Child.OutputTail}");

        Assert.True(service.Child.ExitCode == 0, $"Exit code {service.Child.ExitCode}.{Environment.NewLine}{service.Child.OutputTail}");
        Assert.False(await ListensAsync(service.Port), "Something listened on the service's port: it served instead of only provisioning.");
    }

    [Fact]
    public async Task Without_the_models_and_offline_it_exits_1_and_says_what_to_download()
    {
        var empty = Directory.CreateTempSubdirectory("faceapi-provision-only-");
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["FaceApi:Models:Directory"] = empty.FullName,
                ["FaceApi:Models:AutoDownload"] = "false",
            };
            await using var service = ServiceProcess.Start("provision-only", ServiceProcess.HostAssemblyBesideThisProgram(), settings, arguments: "--provision-models-only");

            Assert.True(await service.Child.WaitForExitAsync(ExitTimeout), $"Still running after {ExitTimeout}.{Environment.NewLine}{service.Child.OutputTail}");

            Assert.True(service.Child.ExitCode == 1, $"Exit code {service.Child.ExitCode}.{Environment.NewLine}{service.Child.OutputTail}");
            // The default models are what is missing; the log names them for the operator.
            Assert.Contains(service.Child.OutputLines, line => line.Contains("w600k_r50.onnx", StringComparison.Ordinal));
            Assert.Empty(Directory.EnumerateFileSystemEntries(empty.FullName));
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }

    private static async Task<bool> ListensAsync(int port)
    {
        using var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port, TestContext.Current.CancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
