using System.Net;
using FaceApi.Client;
using FaceApi.Contracts;
using FaceApi.Testing;
using FaceApi.Tests.Endpoints;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.Client;

/// <summary>
/// Every problem the service answers reaches the caller as a <see cref="FaceApiException"/> with its
/// status and stable code, tried once: only overload answers are retried.
/// </summary>
public sealed class FaceApiClientProblemTests(KestrelFaceApiFactory service) : IDisposable
{
    // Expect: 100-continue lets the server refuse an oversized body before it is sent (KestrelServerTests).
    private readonly ClientServices _services = new(service.BaseAddress, configureHttp: http => http.DefaultRequestHeaders.ExpectContinue = true);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private FaceApiClient Client
    {
        get
        {
            _ = service.Client; // skips the test when the shared test data is absent
            return _services.Client;
        }
    }

    public static TheoryData<string> ImageProblems => [ProblemCode.InvalidImage, ProblemCode.UnsupportedFormat, ProblemCode.ImageTooLarge, ProblemCode.NoFace];

    [Theory]
    [MemberData(nameof(ImageProblems))]
    public async Task An_image_the_service_refuses_is_a_FaceApiException_with_its_code_after_one_attempt(string code)
    {
        var (image, status) = code switch
        {
            ProblemCode.InvalidImage => ("not an image at all"u8.ToArray(), HttpStatusCode.BadRequest),
            // Photoshop's signature (KnownUnsupportedFormats): recognised, not decoded.
            ProblemCode.UnsupportedFormat => ([.. "8BPS"u8, .. new byte[64]], HttpStatusCode.UnsupportedMediaType),
            // 184 KB, over the Kestrel factory's 128 KiB per image.
            ProblemCode.ImageTooLarge => (TestData.ReadFacePhoto("obama2.jpg"), HttpStatusCode.RequestEntityTooLarge),
            _ => (TestImages.WithoutFace(), HttpStatusCode.UnprocessableEntity),
        };

        var refused = await Assert.ThrowsAsync<FaceApiException>(() => Client.EmbedAsync(image, cancellationToken: Cancellation));

        AssertProblem(refused, status, code);
        Assert.Single(_services.Log.Attempts);
    }

    [Fact]
    public async Task A_bad_query_value_is_invalid_request()
    {
        var refused = await Assert.ThrowsAsync<FaceApiException>(
            () => Client.EmbedAsync(TestData.ReadFacePhoto("rose1.jpg"), maxFaces: 0, cancellationToken: Cancellation));

        AssertProblem(refused, HttpStatusCode.BadRequest, ProblemCode.InvalidRequest);
        Assert.Contains("maxFaces", refused.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_embedding_of_the_wrong_length_is_invalid_request()
    {
        var refused = await Assert.ThrowsAsync<FaceApiException>(
            () => Client.VerifyAsync(new float[3] { 1, 0, 0 }, new float[3] { 0, 1, 0 }, cancellationToken: Cancellation));

        AssertProblem(refused, HttpStatusCode.BadRequest, ProblemCode.InvalidRequest);
    }

    [Fact]
    public async Task No_face_in_one_side_of_verify_names_that_side()
    {
        var refused = await Assert.ThrowsAsync<FaceApiException>(
            () => Client.VerifyAsync(TestData.ReadFacePhoto("rose1.jpg"), TestImages.WithoutFace(), cancellationToken: Cancellation));

        AssertProblem(refused, HttpStatusCode.UnprocessableEntity, ProblemCode.NoFace);
        Assert.Equal("image2", refused.Side);
    }

    [Fact]
    public async Task A_body_over_the_server_limit_is_payload_too_large()
    {
        // Two images just under the per-image limit make a body over the server's (RequestLimits.MaxBodyBytes).
        var image = new byte[KestrelFaceApiFactory.MaxImageBytes - 1];
        var body = new byte[(int)FaceApi.Hosting.RequestLimits.MaxBodyBytes(KestrelFaceApiFactory.MaxImageBytes) + 1];

        var refused = await Assert.ThrowsAsync<FaceApiException>(() => Client.VerifyAsync(body, image, cancellationToken: Cancellation));

        AssertProblem(refused, HttpStatusCode.RequestEntityTooLarge, ProblemCode.PayloadTooLarge);
        Assert.Single(_services.Log.Attempts);
    }

    private static void AssertProblem(FaceApiException refused, HttpStatusCode status, string code)
    {
        Assert.True(refused.Status == status && refused.Code == code, $"expected {(int)status} {code}, got {refused.Message}");
        Assert.False(string.IsNullOrWhiteSpace(refused.Detail));
        Assert.False(string.IsNullOrWhiteSpace(refused.RequestId));
        Assert.Null(refused.RetryAfter);
    }

    public void Dispose() => _services.Dispose();
}
