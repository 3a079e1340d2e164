using System.Net;
using FaceApi.Models;
using FaceApi.Testing;
using FaceApi.Tests.Endpoints;
using FaceApi.Tests.Hardening;
using Microsoft.Extensions.DependencyInjection;

namespace FaceApi.Tests.Metrics;

/// <summary>What one /verify of two photos does to the series at <c>/metrics</c>, on the real test models.</summary>
[Collection(MetricsCollection.Name)]
public sealed class VerifyMetricsTests(DefaultService factory) : IClassFixture<DefaultService>
{
    private static readonly (string, string)[] VerifyRoute = [("endpoint", "/verify"), ("method", "POST"), ("controller", ""), ("action", "")];

    [Fact]
    public async Task OneVerifyOfTwoPhotosCountsTwoImagesTwoFacesAndOneRequest()
    {
        var client = await factory.CreateReadyClientAsync();
        var batcher = factory.Services.GetRequiredService<FaceEngine>().Models!.Batcher;
        var batchesBefore = batcher.BatchesRun;
        var before = await MetricsExposition.ReadAsync(client);

        using var response = await client.PostAsync(
            new Uri("/verify", UriKind.Relative),
            UploadContent.Multipart(("image1", TestData.ReadFacePhoto("john1.jpeg")), ("image2", TestData.ReadFacePhoto("john2.jpeg"))),
            TestContext.Current.CancellationToken);
        var after = await MetricsExposition.ReadAsync(client);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var batches = batcher.BatchesRun - batchesBefore;
        Assert.InRange(batches, 1, 2);
        double Delta(string name, params (string, string)[] labels) => after.Delta(before, name, labels);
        Assert.Equal(1, Delta("faceapi_request_seconds_count", ("endpoint", "verify")));
        Assert.Equal(0, Delta("faceapi_request_seconds_count", ("endpoint", "embed")));
        Assert.Equal(1, Delta("http_requests_received_total", [.. VerifyRoute, ("code", "200")]));
        Assert.Equal(2, Delta("faceapi_image_decode_seconds_count"));
        Assert.Equal(2, Delta("faceapi_detection_seconds_count"));
        Assert.Equal(2, Delta("faceapi_faces_embedded_total"));
        Assert.Equal(2, Delta("faceapi_queue_wait_seconds_count"));
        Assert.Equal(batches, Delta("faceapi_batch_size_count"));
        Assert.Equal(2, Delta("faceapi_batch_size_sum"));
        Assert.Equal(batches, Delta("faceapi_inference_seconds_count", ("model", "mobilefacenet"), ("provider", "Cpu")));
    }
}
