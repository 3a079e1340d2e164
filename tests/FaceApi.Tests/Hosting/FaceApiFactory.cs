using System.Net;
using System.Text.Json;
using FaceApi.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FaceApi.Tests.Hosting;

/// <summary>
/// The service in memory with the real test models of ../shared/testdata: SCRFD-2.5G and MobileFaceNet
/// (BGR, mean 127.5, std 128, 128-d), threshold 0.35, no downloads. Initialisation waits until
/// readiness reports the state <see cref="ExpectedState"/>, since models load in the background.
/// </summary>
public class FaceApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>MobileFaceNet's threshold from issue 2; same-person pairs in faces.json score 0.43 and up, different ones at most 0.26.</summary>
    public const float Threshold = TestModelSettings.VerificationThreshold;

    /// <summary>MobileFaceNet's embedding length (SOURCES.md).</summary>
    public const int Dimension = 128;

    public const string RecognitionModelName = TestModelSettings.RecognitionModelName;

    // Loading and warming both models takes about a second here; the margin absorbs a busy machine.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private HttpClient? _client;

    /// <summary>A client for the started service; skips the running test when the test data is absent.</summary>
    public HttpClient Client
    {
        get
        {
            if (NeedsTestData)
            {
                TestData.SkipIfUnavailable();
            }

            return _client ?? throw new InvalidOperationException("The factory has not been initialised.");
        }
    }

    /// <summary>The readiness body once the service settled in <see cref="ExpectedState"/>.</summary>
    public string ReadinessAnswer { get; private set; } = "";

    /// <summary>The readiness state the service settles in: "ready", or "failed" when models are missing on purpose.</summary>
    protected virtual string ExpectedState => "ready";

    protected virtual bool NeedsTestData => true;

    public async ValueTask InitializeAsync()
    {
        if (NeedsTestData && !TestData.IsAvailable)
        {
            return;
        }

        _client = CreateServiceClient();
        ReadinessAnswer = await WaitForStateAsync(_client);
    }

    /// <summary>Configuration of the service under test; subclasses change entries.</summary>
    protected virtual void Configure(IDictionary<string, string?> settings)
    {
        foreach (var (key, value) in TestModelSettings.Create())
        {
            settings[key] = value;
        }

        ShowOnlyWarningLogs(settings);
    }

    /// <summary>Request lines are noise in test output; warnings and errors still show.</summary>
    protected static void ShowOnlyWarningLogs(IDictionary<string, string?> settings) =>
        settings["Serilog:MinimumLevel:Default"] = "Warning";

    /// <summary>The client tests talk through; the Kestrel factory returns a plain socket client.</summary>
    protected virtual HttpClient CreateServiceClient() => CreateClient();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>(StringComparer.Ordinal);
        Configure(settings);
        // UseSetting, not ConfigureAppConfiguration: Program reads the limits from builder.Configuration
        // before Build(), and only host settings are in place by then.
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    private async Task<string> WaitForStateAsync(HttpClient client)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var body = "(no answer)";
        try
        {
            while (true)
            {
                using var response = await client.GetAsync("/health/ready", timeout.Token);
                body = await response.Content.ReadAsStringAsync(timeout.Token);
                var state = JsonDocument.Parse(body).RootElement.GetProperty("status").GetString();
                if (state == ExpectedState)
                {
                    var expectedStatus = state == "ready" ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable;
                    return response.StatusCode == expectedStatus
                        ? body
                        : throw new InvalidOperationException($"Readiness says {state} with status {(int)response.StatusCode}: {body}");
                }

                if (state is "failed" or "stopping")
                {
                    throw new InvalidOperationException($"The service did not become {ExpectedState}: {body}");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"The service was not {ExpectedState} within {StartTimeout}; last readiness answer: {body}");
        }
    }
}
