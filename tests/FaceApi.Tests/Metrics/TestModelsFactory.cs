using FaceApi.Testing;
using FaceApi.Tests.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FaceApi.Tests.Metrics;

/// <summary>
/// The service over the real test models of ../shared/testdata (SCRFD-2.5G and MobileFaceNet, on
/// CPU), with settings that a test may add to or override and host changes of its own.
/// </summary>
public sealed class TestModelsFactory : WebApplicationFactory<Program>
{
    // How long models may take to load and warm; minutes, because CI machines are shared.
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Configuration (<c>FaceApi:Section:Key</c>); add or replace entries before the first client.</summary>
    public Dictionary<string, string?> Settings { get; } = TestModelSettings.Create();

    /// <summary>Further changes to the host, such as extra services.</summary>
    public Action<IWebHostBuilder>? ConfigureHost { get; init; }

    /// <summary>A client once <c>GET /health/ready</c> answers 200; skips the test without the test data.</summary>
    public async Task<HttpClient> CreateReadyClientAsync()
    {
        TestData.Require("models/mobilefacenet.onnx");
        TestData.Require("models/scrfd_2.5g_bnkps.onnx");
        var client = CreateClient();
        await ServiceReadiness.WaitAsync(client, ReadyTimeout);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting feeds the configuration that Program reads before Build (FaceApi:Metrics:Port).
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        ConfigureHost?.Invoke(builder);
    }
}
