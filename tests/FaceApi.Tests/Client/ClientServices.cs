using FaceApi.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FaceApi.Tests.Client;

/// <summary>
/// A <see cref="FaceApiClient"/> registered as a backend registers it (<c>AddFaceApiClient</c>, through
/// IHttpClientFactory with its resilience handler), with an <see cref="AttemptLog"/> inside the retries.
/// </summary>
internal sealed class ClientServices : IDisposable
{
    private readonly ServiceProvider _provider;

    /// <param name="baseAddress">Where the service listens.</param>
    /// <param name="configure">Options beyond the base address.</param>
    /// <param name="configureHttp">Changes to the HttpClient, e.g. default headers.</param>
    /// <param name="primaryHandler">The innermost handler, e.g. an in-memory test server's; sockets by default.</param>
    public ClientServices(
        Uri baseAddress,
        Action<FaceApiClientOptions>? configure = null,
        Action<HttpClient>? configureHttp = null,
        Func<HttpMessageHandler>? primaryHandler = null)
    {
        var services = new ServiceCollection();
        var client = services.AddFaceApiClient(options =>
            {
                options.BaseAddress = baseAddress;
                configure?.Invoke(options);
            })
            .ConfigureHttpClient(http => configureHttp?.Invoke(http))
            .AddHttpMessageHandler(Log.CreateHandler);
        if (primaryHandler is not null)
        {
            client.ConfigurePrimaryHttpMessageHandler(primaryHandler);
        }

        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        Client = _provider.GetRequiredService<FaceApiClient>();
    }

    public FaceApiClient Client { get; }

    public AttemptLog Log { get; } = new();

    public void Dispose() => _provider.Dispose();
}
