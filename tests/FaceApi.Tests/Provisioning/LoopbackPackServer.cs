using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FaceApi.Tests.Provisioning;

/// <summary>A real Kestrel server on 127.0.0.1 (port chosen by the OS) that counts the requests it answers.</summary>
internal sealed class LoopbackPackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requestCount;

    private LoopbackPackServer(WebApplication app) => _app = app;

    public int RequestCount => Volatile.Read(ref _requestCount);

    public string PackUrl { get; private set; } = "";

    public static async Task<LoopbackPackServer> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var server = new LoopbackPackServer(builder.Build());
        server._app.Run(context =>
        {
            Interlocked.Increment(ref server._requestCount);
            return handler(context);
        });
        await server._app.StartAsync(TestContext.Current.CancellationToken);
        // After start, Urls holds the address Kestrel actually bound, with the OS-chosen port.
        server.PackUrl = $"{server._app.Urls.Single()}/v0.7/buffalo_l.zip";
        return server;
    }

    public static Task<LoopbackPackServer> ServingAsync(byte[] body) =>
        StartAsync(context =>
        {
            context.Response.ContentType = "application/zip";
            context.Response.ContentLength = body.Length;
            return context.Response.Body.WriteAsync(body).AsTask();
        });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
