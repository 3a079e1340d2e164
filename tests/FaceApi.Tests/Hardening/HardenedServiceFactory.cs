using FaceApi.Testing;
using FaceApi.Tests.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// The service with the real test models (SCRFD-2.5G and MobileFaceNet from ../shared/testdata) on
/// CPU, plus per-fixture settings, and every Serilog event captured in <see cref="Logs"/>.
/// </summary>
public class HardenedServiceFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    // Loading and warming both models takes about a second on this CPU; a minute allows for a busy machine.
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(1);

    public CapturedLogs Logs { get; } = new();

    /// <summary>A client once the models are loaded and warmed; skips the test when the test data is absent.</summary>
    public async Task<HttpClient> CreateReadyClientAsync()
    {
        TestData.Require("models/mobilefacenet.onnx");
        var client = CreateClient();
        await ServiceReadiness.WaitAsync(client, ReadyTimeout);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var onCpu = TestModelSettings.Create();
        onCpu["FaceApi:Inference:Providers:0"] = "Cpu";
        foreach (var (key, value) in onCpu.Concat(settings))
        {
            builder.UseSetting(key, value);
        }

        // Serilog's ReadFrom.Services adds every ILogEventSink registered in the container.
        builder.ConfigureTestServices(services => services.AddSingleton<ILogEventSink>(Logs));
    }
}

/// <summary>The service with the test models and default settings, shared by a test class.</summary>
public sealed class DefaultService() : HardenedServiceFactory(new Dictionary<string, string?>());
