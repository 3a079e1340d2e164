using System.Net;
using FaceApi.Testing;
using FaceApi.Tests.Endpoints;

namespace FaceApi.Tests.Hosting;

/// <summary>The service on a real loopback socket: what a backend calling it over HTTP sees.</summary>
public sealed class KestrelServerTests(KestrelFaceApiFactory service)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Embeds_a_photo_sent_over_a_loopback_connection_and_echoes_the_request_id()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/embed")
        {
            Content = UploadContent.Multipart(("image", TestData.ReadFacePhoto("rose1.jpg"))),
        };
        request.Headers.Add("X-Request-Id", "kestrel-test-1");

        using var response = await service.Client.SendAsync(request, Cancellation);

        var result = await WireJson.ReadOkAsync<EmbedResult>(response);
        Assert.Single(result.Faces);
        Assert.Equal("kestrel-test-1", Assert.Single(response.Headers.GetValues("X-Request-Id")));
    }

    [Fact]
    public async Task The_server_answers_a_raw_http_request_on_its_loopback_port()
    {
        // A plain TCP connection, no HttpClient: something really listens on 127.0.0.1 at that port
        // and speaks HTTP/1.1, which the in-memory TestServer would not.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, service.BaseAddress.Port, Cancellation);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync("GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray(), Cancellation);
        using var reader = new StreamReader(stream);

        var statusLine = await reader.ReadLineAsync(Cancellation);

        Assert.Equal("HTTP/1.1 200 OK", statusLine);
    }

    [Fact]
    public async Task Verifies_two_photos_sent_as_json_over_a_loopback_connection()
    {
        using var response = await service.Client.PostAsync(
            "/verify",
            UploadContent.Json(new { image1 = TestData.ReadFacePhoto("john1.jpeg"), image2 = TestData.ReadFacePhoto("john2.jpeg") }),
            Cancellation);

        var result = await WireJson.ReadOkAsync<VerifyResult>(response);
        Assert.True(result.Match, $"similarity {result.Similarity}");
    }

    [Fact]
    public async Task A_multipart_body_over_the_server_limit_is_payload_too_large()
    {
        var oversized = new byte[OverServerLimit];

        using var response = await PostExpectingContinueAsync("/embed", UploadContent.Multipart(("image", oversized)));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    [Fact]
    public async Task A_json_body_over_the_server_limit_is_payload_too_large()
    {
        var oversized = new byte[OverServerLimit];

        using var response = await PostExpectingContinueAsync("/verify", UploadContent.Json(new { image1 = oversized, image2 = oversized }));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
    }

    /// <summary>
    /// Sends with <c>Expect: 100-continue</c>, as curl does for large bodies: the server refuses an
    /// oversized body before it is sent. Without it the server answers 413 and closes while the
    /// client is still writing, and the client may see a broken pipe instead of the answer.
    /// </summary>
    private async Task<HttpResponseMessage> PostExpectingContinueAsync(string path, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.ExpectContinue = true;
        return await service.Client.SendAsync(request, Cancellation);
    }

    [Fact]
    public async Task A_multipart_image_over_the_per_image_limit_is_image_too_large()
    {
        // obama2.jpg is 184 KB: over the 128 KiB image limit, within the body limit.
        var photo = TestData.ReadFacePhoto("obama2.jpg");
        Assert.InRange(photo.Length, KestrelFaceApiFactory.MaxImageBytes + 1, OverServerLimit);

        using var response = await service.Client.PostAsync("/embed", UploadContent.Multipart(("image", photo)), Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "image_too_large");
    }

    [Fact]
    public async Task A_base64_image_over_the_per_image_limit_is_image_too_large()
    {
        // rose2.jpg is 158 KB: over the 128 KiB image limit, and as base64 (211 KB) within /embed's JSON
        // body limit (one base64 image at the limit plus 64 KiB), so the image itself is what is refused.
        var photo = TestData.ReadFacePhoto("rose2.jpg");

        using var response = await service.Client.PostAsync("/embed", UploadContent.Json(new { image = photo }), Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "image_too_large");
    }

    [Fact]
    public async Task A_raw_image_body_over_the_per_image_limit_is_image_too_large_before_it_is_read()
    {
        var photo = TestData.ReadFacePhoto("obama2.jpg");

        // With Expect: 100-continue the client sends the body only when told to: a 413 here means it
        // was refused from its Content-Length, unread.
        using var response = await PostExpectingContinueAsync("/embed", UploadContent.Raw(photo, "image/jpeg"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "image_too_large");
    }

    // Above the body limit RequestLimits derives from the image limit: two base64 images plus 64 KiB.
    private static int OverServerLimit => (int)FaceApi.Hosting.RequestLimits.MaxBodyBytes(KestrelFaceApiFactory.MaxImageBytes) + 1;
}
