using System.Net;
using FaceApi.Testing;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// Oversized bodies on the real Kestrel server, whose body limit TestServer does not enforce:
/// 64 KiB images give a body limit of about 235 KiB (two base64 images and an envelope).
/// </summary>
public sealed class RequestSizeTests
{
    private static readonly Dictionary<string, string?> SmallLimits = new() { ["FaceApi:Limits:MaxEncodedBytes"] = "65536" };

    [Fact]
    public async Task A_huge_multipart_body_is_refused_as_payload_too_large()
    {
        await using var factory = new HardenedServiceFactory(SmallLimits);
        factory.UseKestrel(0);
        var client = await factory.CreateReadyClientAsync();
        var huge = new byte[4 * 1024 * 1024];
        new Random(13).NextBytes(huge);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = Requests.Multipart(huge, fileName: "huge.jpg") };
        // The client waits for the server's verdict before sending 4 MiB it would refuse, as well-behaved uploaders do.
        request.Headers.ExpectContinue = true;

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        await response.IsProblemAsync(HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
        using var live = await client.GetAsync("/health/live", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task An_image_over_the_per_image_limit_inside_an_acceptable_body_is_too_large()
    {
        await using var factory = new HardenedServiceFactory(SmallLimits);
        factory.UseKestrel(0);
        var client = await factory.CreateReadyClientAsync();
        var photo = TestData.ReadFacePhoto("john2.jpeg");

        using var multipart = await client.EmbedAsync(Requests.Multipart(photo));
        await multipart.IsProblemAsync(HttpStatusCode.RequestEntityTooLarge, "image_too_large");
        using var json = await client.EmbedAsync(Requests.Json(new { image = Convert.ToBase64String(photo) }));
        await json.IsProblemAsync(HttpStatusCode.RequestEntityTooLarge, "image_too_large");
    }
}
