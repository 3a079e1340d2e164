using FaceApi.Provisioning;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FaceApi.Tests.Provisioning;

public sealed class ModelProvisioningRegistrationTests
{
    [Fact]
    public void Binds_the_FaceApi_Models_section_keeping_default_pack_files_not_overridden()
    {
        const string ownDetectorSha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        using var host = BuildHost(new()
        {
            ["FaceApi:Models:Directory"] = "/models",
            ["FaceApi:Models:AutoDownload"] = "false",
            ["FaceApi:Models:PackFiles:det_10g.onnx"] = ownDetectorSha256,
        });

        var options = host.Services.GetRequiredService<IOptions<ModelProvisioningOptions>>().Value;

        Assert.Equal("/models", options.Directory);
        Assert.False(options.AutoDownload);
        Assert.Equal(ownDetectorSha256, options.PackFiles["det_10g.onnx"]);
        Assert.Equal(new ModelProvisioningOptions().PackFiles["w600k_r50.onnx"], options.PackFiles["w600k_r50.onnx"]);
        Assert.NotNull(host.Services.GetRequiredService<ModelProvisioner>());
    }

    [Fact]
    public async Task A_malformed_pack_checksum_stops_start_up_with_a_message_naming_it()
    {
        using var host = BuildHost(new() { ["FaceApi:Models:PackSha256"] = "not-a-checksum" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("PackSha256", error.Message, StringComparison.Ordinal);
    }

    private static IHost BuildHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddModelProvisioning();
        return builder.Build();
    }
}
