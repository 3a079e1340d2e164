using System.Net;

namespace FaceApi.Tests.Hardening;

/// <summary>Per-client rate limits on /embed and /verify: 429 rate_limited with Retry-After past the limit.</summary>
public sealed class RateLimitTests
{
    // Three requests a minute: a test's requests all fall in one window, whatever the machine's speed.
    private static readonly Dictionary<string, string?> Limits = new()
    {
        ["FaceApi:RateLimiting:Enabled"] = "true",
        ["FaceApi:RateLimiting:PermitLimit"] = "3",
        ["FaceApi:RateLimiting:Window"] = "00:01:00",
    };

    [Fact]
    public async Task A_client_past_its_limit_gets_429_with_retry_after_while_health_stays_open()
    {
        await using var factory = new HardenedServiceFactory(Limits);
        var client = await factory.CreateReadyClientAsync();

        // Refused requests count too: the limit is on requests, not on successes.
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await client.EmbedAsync(Requests.Json(new { }));
            await allowed.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        }

        using var limited = await client.PostAsync("/verify", Requests.Json(new { }), TestContext.Current.CancellationToken);
        await limited.IsProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        var retryAfter = limited.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

        using var live = await client.GetAsync("/health/live", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Each_api_key_has_its_own_limit()
    {
        await using var factory = new HardenedServiceFactory(new Dictionary<string, string?>(Limits)
        {
            ["FaceApi:Auth:ApiKeys:0"] = ApiKeyTests.HashOf(ApiKeyTests.Key),
            ["FaceApi:Auth:ApiKeys:1"] = ApiKeyTests.HashOf(ApiKeyTests.OtherKey),
        });
        var client = await factory.CreateReadyClientAsync();

        var first = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            using var response = await SendAsync(client, ApiKeyTests.Key);
            first.Add(response.StatusCode);
            if (i == 3)
            {
                await response.IsProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
            }
        }

        using var other = await SendAsync(client, ApiKeyTests.OtherKey);

        Assert.Equal([HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.TooManyRequests], first);
        await other.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task Without_configuration_there_is_no_limit()
    {
        await using var factory = new DefaultService();
        var client = await factory.CreateReadyClientAsync();

        for (var i = 0; i < 30; i++)
        {
            using var response = await client.EmbedAsync(Requests.Json(new { }));
            await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        }
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = Requests.Json(new { }) };
        request.Headers.Add("X-API-Key", key);
        return client.SendAsync(request, TestContext.Current.CancellationToken);
    }
}
