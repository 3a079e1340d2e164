using System.Diagnostics;
using System.Net;
using FaceApi.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Serilog.Events;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// Stopping under load on the real Kestrel server (the host's StopAsync, which SIGTERM triggers):
/// readiness turns 503 first, requests keep being served through the drain delay, and every
/// request in flight is answered 200.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class GracefulShutdownTests
{
    private const int InFlightRequests = 12;

    // Longer than the readiness probe takes to answer on a loaded two-core machine (up to about 3 s measured).
    private static readonly TimeSpan DrainDelay = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Stopping_under_load_turns_readiness_off_first_and_answers_every_request()
    {
        var factory = new HardenedServiceFactory(new Dictionary<string, string?>(LoadTestModel.Settings(queueCapacity: 256))
        {
            ["FaceApi:Shutdown:ReadinessDrainDelay"] = DrainDelay.ToString(),
            // ASP.NET Core's "Request starting" lines tell when the server has taken each request.
            ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
        });
        factory.UseKestrel(0);
        var client = await factory.CreateReadyClientAsync();
        // The probe has its own connections, so it never waits behind the load for one.
        using var probe = new HttpClient { BaseAddress = client.BaseAddress };
        var photo = TestData.ReadFacePhoto("john2.jpeg");

        // Full-pipeline requests, more than the service finishes within the drain delay (about 0.5 s each here).
        var inFlight = Enumerable.Range(0, InFlightRequests).Select(_ => SendAsync(client, photo)).ToList();
        await WaitUntilTheServerTookAsync(factory, InFlightRequests);
        var stopping = Stopwatch.StartNew();
        // What SIGTERM does: the lifetime's stop signal, whose callbacks run before the server stops; the app's
        // own RunAsync then stops the host. Its callbacks block for the drain delay, so it runs on its own thread.
        var lifetime = factory.Services.GetRequiredService<IHostApplicationLifetime>();
        var stop = Task.Run(lifetime.StopApplication, TestContext.Current.CancellationToken);

        var readinessOff = await WaitForReadinessOffAsync(probe);
        // Sent after readiness turned 503, as a load balancer that has not yet noticed would: the
        // server must still take and serve it, so readiness went first and the port closed after.
        var lateArrival = await SendAsync(probe, photo);
        await stop;
        var answers = await Task.WhenAll(inFlight);
        await factory.DisposeAsync();

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Readiness 503 after {readinessOff.TotalMilliseconds:F0} ms (drain delay {DrainDelay.TotalSeconds:F0} s); all answered {stopping.Elapsed.TotalMilliseconds:F0} ms after the stop began; " +
            string.Join(", ", answers.GroupBy(a => a).Select(g => $"{g.Key}: {g.Count()}")));
        Assert.Equal("200", lateArrival);
        Assert.All(answers, answer => Assert.Equal("200", answer));
    }

    // "200", or the status and problem code; a dropped connection fails the test with its exception.
    private static async Task<string> SendAsync(HttpClient client, byte[] photo)
    {
        using var response = await client.EmbedAsync(Requests.Multipart(photo));
        return response.IsSuccessStatusCode ? "200" : $"{(int)response.StatusCode} {await response.ProblemCodeAsync()}";
    }

    /// <summary>Counts the server's "Request starting" lines for /embed: the requests are in flight once it has taken them all.</summary>
    private static async Task WaitUntilTheServerTookAsync(HardenedServiceFactory factory, int requests)
    {
        var deadline = Stopwatch.StartNew();
        int Taken() => factory.Logs.Events.Count(e =>
            e.MessageTemplate.Text.StartsWith("Request starting", StringComparison.Ordinal)
            && e.Properties.TryGetValue("Path", out var path) && path is ScalarValue { Value: "/embed" });
        while (Taken() < requests)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), $"The server took only {Taken()} of {requests} requests within 2 minutes.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private static async Task<TimeSpan> WaitForReadinessOffAsync(HttpClient client)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromMinutes(1))
        {
            using var ready = await client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
            if (ready.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                return watch.Elapsed;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException("Readiness never turned 503 within a minute of the stop.");
    }
}
