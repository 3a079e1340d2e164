using FaceApi.Contracts;
using FaceApi.Hosting;
using FaceApi.Testing;
using FaceApi.Tests.Logging;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog.Core;

namespace FaceApi.Tests.Hosting;

/// <summary>
/// The one WebApplicationFactory of the tests: the service in memory with the real test models
/// (SCRFD-2.5G and MobileFaceNet: BGR, mean 127.5, std 128, 128-d), threshold 0.35, no downloads,
/// plus each test's own settings, and every Serilog event it writes captured in <see cref="Logs"/>.
/// Models load in the background, so a client is handed out once readiness reports
/// <see cref="ExpectedState"/> (<see cref="ServiceReadiness"/>, the one readiness wait).
/// As an xUnit fixture it starts in <see cref="InitializeAsync"/>; a test that builds one itself
/// calls <see cref="CreateReadyClientAsync"/>.
/// </summary>
public class FaceApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <inheritdoc cref="TestModelSettings.VerificationThreshold"/>
    public const float Threshold = TestModelSettings.VerificationThreshold;

    /// <summary>MobileFaceNet's embedding length (SOURCES.md).</summary>
    public const int Dimension = 128;

    public const string RecognitionModelName = TestModelSettings.RecognitionModelName;

    private HttpClient? _client;

    /// <summary>The test models' settings with request logs off.</summary>
    public FaceApiFactory()
        : this(new Dictionary<string, string?>())
    {
    }

    /// <summary>The test models' settings, request logs off, then <paramref name="settings"/> on top.</summary>
    protected FaceApiFactory(IReadOnlyDictionary<string, string?> settings)
    {
        Settings = TestModelSettings.Create();
        // Request lines are noise in test output; warnings and errors still show. Tests that read
        // the logs set the level they need.
        Settings["Serilog:MinimumLevel:Default"] = "Warning";
        foreach (var (key, value) in settings)
        {
            Settings[key] = value;
        }
    }

    /// <summary>Configuration (<c>FaceApi:Section:Key</c>); add or replace entries before the first client.</summary>
    public Dictionary<string, string?> Settings { get; }

    /// <summary>Further changes to the host, such as extra services.</summary>
    public Action<IWebHostBuilder>? ConfigureHost { get; init; }

    /// <summary>Every log event the service wrote.</summary>
    public CapturedLogs Logs { get; } = new();

    /// <summary>The client of a fixture started by <see cref="InitializeAsync"/>.</summary>
    public HttpClient Client => _client ?? throw new InvalidOperationException("The factory has not been initialised.");

    /// <summary>The readiness body once the service settled in <see cref="ExpectedState"/>.</summary>
    public string ReadinessAnswer { get; private set; } = "";

    /// <summary>The readiness state the service settles in: "ready", or "failed" when models are missing on purpose.</summary>
    protected virtual string ExpectedState => "ready";

    /// <summary>Whether the service needs the downloaded test data; without it, starting fails naming the command that fetches it.</summary>
    protected virtual bool NeedsTestData => true;

    public async ValueTask InitializeAsync() => _client = await CreateReadyClientAsync();

    /// <summary>A client once readiness reports <see cref="ExpectedState"/>.</summary>
    public async Task<HttpClient> CreateReadyClientAsync()
    {
        if (NeedsTestData && TestData.MissingDataError() is { } missing)
        {
            throw missing;
        }

        var client = CreateServiceClient();
        ReadinessAnswer = await ServiceReadiness.WaitForStateAsync(
            client, new Uri("/health/ready", UriKind.Relative), ExpectedState, ServiceReadiness.StartTimeout, TestContext.Current.CancellationToken);
        if (ExpectedState == ReadinessStatus.Ready)
        {
            // On a real socket the service warms its request path once ready (LoopbackWarmUp): let it
            // finish, so its 400 requests do not share the cores with the test's own.
            var warmUp = Services.GetServices<IHostedService>().OfType<LoopbackWarmUp>().Single();
            await warmUp.ExecuteTask!.WaitAsync(ServiceReadiness.StartTimeout, TestContext.Current.CancellationToken);
        }

        return client;
    }

    /// <summary>The client tests talk through; the Kestrel factory returns a plain socket client.</summary>
    protected virtual HttpClient CreateServiceClient() => CreateClient();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting, not ConfigureAppConfiguration: Program reads some settings (limits, the metrics
        // port) from builder.Configuration before Build(), and only host settings are in place by then.
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        // Serilog's ReadFrom.Services adds every ILogEventSink registered in the container.
        builder.ConfigureTestServices(services => services.AddSingleton<ILogEventSink>(Logs));
        ConfigureHost?.Invoke(builder);
    }

    public override async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
