using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// Without API keys the rate limit is per client address, and a request over the limit may wait in
/// a short queue (FaceApi:RateLimiting:QueueLimit) for the next window instead of being refused.
/// Requests are sent through the in-memory server with the caller's address set on the connection.
/// </summary>
public sealed class RateLimitPartitionTests
{
    [Fact]
    public async Task Each_client_address_has_its_own_limit()
    {
        await using var factory = new DefaultService
        {
            Settings =
            {
                ["FaceApi:RateLimiting:Enabled"] = "true",
                ["FaceApi:RateLimiting:PermitLimit"] = "2",
                // A window no test outlasts: the counts below all fall in one.
                ["FaceApi:RateLimiting:Window"] = "00:10:00",
            },
        };
        await factory.CreateReadyClientAsync();

        var first = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            first.Add(await SendFromAsync(factory, "10.0.0.1"));
        }

        var other = await SendFromAsync(factory, "10.0.0.2");

        // An empty JSON body is a 400 invalid_request once past the limiter: the limit counts requests.
        Assert.Equal([400, 400, 429], first);
        Assert.Equal(400, other);
    }

    [Fact]
    public async Task A_request_over_the_limit_waits_in_the_queue_for_the_next_window_and_the_one_after_it_is_refused()
    {
        await using var factory = new DefaultService
        {
            Settings =
            {
                ["FaceApi:RateLimiting:Enabled"] = "true",
                ["FaceApi:RateLimiting:PermitLimit"] = "1",
                ["FaceApi:RateLimiting:Window"] = "00:00:02",
                ["FaceApi:RateLimiting:QueueLimit"] = "1",
            },
        };
        await factory.CreateReadyClientAsync();
        var order = new List<int>();

        Assert.Equal(400, await SendFromAsync(factory, "10.0.0.3"));
        // The window's one permit is used: of the next two, one queues for the next window and the
        // other finds the queue full.
        var statuses = await Task.WhenAll(Track(SendFromAsync(factory, "10.0.0.3"), order), Track(SendFromAsync(factory, "10.0.0.3"), order));

        Assert.Equal([400, 429], statuses.Order());
        // Counting, not timing: the refusal came back while the queued request still waited for its window.
        Assert.Equal([429, 400], order);
    }

    private static async Task<int> Track(Task<int> request, List<int> order)
    {
        var status = await request;
        lock (order)
        {
            order.Add(status);
        }

        return status;
    }

    /// <summary>POSTs an empty JSON object to /embed as if from <paramref name="address"/>; returns the status.</summary>
    private static async Task<int> SendFromAsync(DefaultService factory, string address)
    {
        var context = await factory.Server.SendAsync(
            http =>
            {
                http.Connection.RemoteIpAddress = IPAddress.Parse(address);
                http.Request.Method = HttpMethods.Post;
                http.Request.Path = "/embed";
                http.Request.ContentType = "application/json";
                var body = Encoding.UTF8.GetBytes("{}");
                http.Request.Body = new MemoryStream(body);
                http.Request.ContentLength = body.Length;
            },
            TestContext.Current.CancellationToken);
        return context.Response.StatusCode;
    }
}
