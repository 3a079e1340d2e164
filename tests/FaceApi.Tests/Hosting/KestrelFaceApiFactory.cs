using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace FaceApi.Tests.Hosting;

/// <summary>
/// The service on the real Kestrel server at 127.0.0.1 (port chosen by the OS), reached through a
/// plain socket <see cref="HttpClient"/>: Kestrel's body-size limit, connection handling and
/// response framing are exercised, which the in-memory TestServer skips. Images are limited to
/// <see cref="MaxImageBytes"/>, so the over-limit bodies the tests send stay small.
/// </summary>
public class KestrelFaceApiFactory : FaceApiFactory
{
    /// <summary>128 KiB: rose1.jpg (52 KB) fits, obama2.jpg (184 KB) does not.</summary>
    public const int MaxImageBytes = 128 * 1024;

    public KestrelFaceApiFactory()
    {
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        Settings["FaceApi:Limits:MaxEncodedBytes"] = MaxImageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Where Kestrel listens, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1");

    protected override HttpClient CreateServiceClient()
    {
        StartServer();
        // After start, the server reports the address it bound, with the port the OS chose.
        var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        BaseAddress = new Uri(addresses.Single());
        return new HttpClient { BaseAddress = BaseAddress };
    }
}
