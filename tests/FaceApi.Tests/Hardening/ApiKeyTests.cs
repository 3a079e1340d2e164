using System.Net;
using System.Security.Cryptography;
using System.Text;
using FaceApi.Testing;
using FaceApi.Tests.Configuration;

namespace FaceApi.Tests.Hardening;

/// <summary>Optional API keys: configured as SHA-256 hashes, sent in X-API-Key, checked before any work.</summary>
public sealed class ApiKeyTests(ApiKeyTests.KeyedService factory) : IClassFixture<ApiKeyTests.KeyedService>
{
    public const string Key = "test-key-alpha-1f0c";
    public const string OtherKey = "test-key-beta-77aa";

    [Theory]
    [InlineData(null, "Send an API key")]
    [InlineData("", "Send an API key")]
    [InlineData("wrong-key", "not valid")]
    [InlineData(Key + " ", "not valid")]
    public async Task A_request_without_a_valid_key_is_unauthorized_with_a_challenge(string? key, string detail)
    {
        var client = await factory.CreateReadyClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = Requests.Multipart(TestData.ReadFacePhoto("john2.jpeg")) };
        if (key is not null)
        {
            request.Headers.Add("X-API-Key", key);
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        var problem = await response.IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("ApiKey header=\"X-API-Key\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [InlineData(Key)]
    [InlineData(OtherKey)]
    public async Task A_request_with_a_configured_key_is_served(string key)
    {
        var client = await factory.CreateReadyClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = Requests.Multipart(TestData.ReadFacePhoto("john2.jpeg")) };
        request.Headers.Add("X-API-Key", key);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Verify_needs_a_key_too()
    {
        var client = await factory.CreateReadyClientAsync();

        using var response = await client.PostAsync("/verify", Requests.Json(new { }), TestContext.Current.CancellationToken);

        await response.IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/metrics")]
    [InlineData("/swagger/v1/swagger.json")]
    [InlineData("/swagger/index.html")]
    public async Task Health_metrics_and_swagger_are_open_without_a_key(string path)
    {
        var client = await factory.CreateReadyClientAsync();

        using var response = await client.GetAsync(path, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_declares_the_key_on_the_image_endpoints_only()
    {
        var client = await factory.CreateReadyClientAsync();

        var document = await client.GetStringAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken);

        using var json = System.Text.Json.JsonDocument.Parse(document);
        var scheme = json.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("X-API-Key", scheme.GetProperty("name").GetString());
        var paths = json.RootElement.GetProperty("paths");
        Assert.True(paths.GetProperty("/embed").GetProperty("post").TryGetProperty("security", out _));
        Assert.True(paths.GetProperty("/verify").GetProperty("post").TryGetProperty("security", out _));
        Assert.False(paths.GetProperty("/health/live").GetProperty("get").TryGetProperty("security", out _));
    }

    [Theory]
    [InlineData("test-key-alpha-1f0c")]
    [InlineData("ABCDEF")]
    [InlineData("zz3c9c1f1e2c5a5e0c9d0a5b0c4e1f3a2b6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1")]
    public async Task A_key_configured_as_anything_but_a_sha256_hash_stops_start_up(string configured)
    {
        await using var service = await MisconfiguredService.RunUntilExitAsync("FaceApi:Auth:ApiKeys:0", configured);

        Assert.NotEqual(0, service.Child.ExitCode);
        Assert.Contains(service.Child.OutputLines, line => line.Contains("SHA-256", StringComparison.Ordinal));
        Assert.DoesNotContain(service.Child.OutputLines, line => line.Contains(configured, StringComparison.Ordinal));
    }

    public static string HashOf(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The service with two keys configured (one hash in upper case, one in lower case).</summary>
    public sealed class KeyedService() : HardenedServiceFactory(new Dictionary<string, string?>
    {
        ["FaceApi:Auth:ApiKeys:0"] = HashOf(Key),
        ["FaceApi:Auth:ApiKeys:1"] = HashOf(OtherKey).ToLowerInvariant(),
    });
}
