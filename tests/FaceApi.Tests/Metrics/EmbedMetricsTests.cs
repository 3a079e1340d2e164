using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FaceApi.Models;
using FaceApi.Testing;
using FaceApi.Tests.Hardening;
using Microsoft.Extensions.DependencyInjection;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Tests.Metrics;

/// <summary>What one request does to the series at <c>/metrics</c>, on the real test models.</summary>
[Collection(MetricsCollection.Name)]
public sealed class EmbedMetricsTests(DefaultService factory) : IClassFixture<DefaultService>
{
    // obama_family.jpg shows four faces (faces.json); more than one, so per-face and per-request series differ.
    private const string GroupPhoto = "obama_family.jpg";

    private static readonly (string, string)[] EmbedRoute = [("endpoint", "/embed"), ("method", "POST"), ("controller", ""), ("action", "")];

    // Requests no route matches: prometheus-net labels them with an empty endpoint, whatever the path.
    private static readonly (string, string)[] NoRouteNotFound = [("endpoint", ""), ("method", "GET"), ("controller", ""), ("action", ""), ("code", "404")];

    [Fact]
    public async Task OneEmbedOfAPhotoWithNFacesMovesEachSeriesByTheRightAmount()
    {
        var client = await factory.CreateReadyClientAsync();
        var faces = TestData.Faces.Images.Single(image => image.File == $"faces/{GroupPhoto}").Faces;
        var batcher = factory.Services.GetRequiredService<FaceEngine>().Models!.Batcher;
        var batchesBefore = batcher.BatchesRun;
        var before = await MetricsExposition.ReadAsync(client);

        using var response = await client.PostAsync(new Uri("/embed", UriKind.Relative), PhotoUpload(GroupPhoto), TestContext.Current.CancellationToken);
        var after = await MetricsExposition.ReadAsync(client);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(faces, body.RootElement.GetProperty("faces").GetArrayLength());
        var batches = batcher.BatchesRun - batchesBefore;
        Assert.InRange(batches, 1, faces);
        double Delta(string name, params (string, string)[] labels) => after.Delta(before, name, labels);

        Assert.Equal(faces, Delta("faceapi_faces_detected_total"));
        Assert.Equal(faces, Delta("faceapi_faces_embedded_total"));
        Assert.Equal(batches, Delta("faceapi_batch_size_count"));
        Assert.Equal(faces, Delta("faceapi_batch_size_sum"));
        Assert.Equal(batches, Delta("faceapi_inference_seconds_count", ("model", "mobilefacenet"), ("provider", "Cpu")));
        Assert.Equal(faces, Delta("faceapi_queue_wait_seconds_count"));
        Assert.Equal(batches, Delta("faceapi_batch_gather_seconds_count"));
        Assert.Equal(batches, Delta("faceapi_batch_dispatch_seconds_count"));
        Assert.Equal(batches, Delta("faceapi_batch_respond_seconds_count"));
        Assert.Equal(1, Delta("faceapi_image_decode_seconds_count"));
        Assert.Equal(1, Delta("faceapi_detection_seconds_count"));
        Assert.Equal(1, Delta("faceapi_alignment_seconds_count"));
        Assert.Equal(1, Delta("faceapi_request_seconds_count", ("endpoint", "embed")));
        Assert.Equal(1, Delta("http_requests_received_total", [.. EmbedRoute, ("code", "200")]));
        Assert.Equal(0, Delta("faceapi_requests_without_face_total"));
        Assert.Equal(0, after.Value("faceapi_queue_depth"));
    }

    [Fact]
    public async Task AProblemResponseCountsItsCodeAndItsRealStatus()
    {
        var client = await factory.CreateReadyClientAsync();
        var before = await MetricsExposition.ReadAsync(client);

        using var response = await client.PostAsJsonAsync(new Uri("/embed", UriKind.Relative), new { image = Convert.ToBase64String("not an image"u8) }, cancellationToken: TestContext.Current.CancellationToken);
        var after = await MetricsExposition.ReadAsync(client);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(1, after.Delta(before, "faceapi_errors_total", ("code", "invalid_image")));

        // The exception handler writes the 400: the HTTP metrics must see that status and still the route.
        Assert.Equal(1, after.Delta(before, "http_requests_received_total", [.. EmbedRoute, ("code", "400")]));
        Assert.Equal(0, after.Delta(before, "http_requests_received_total", [.. EmbedRoute, ("code", "200")]));
    }

    [Fact]
    public async Task AnImageWithoutAFaceCountsAsARequestWithoutFace()
    {
        var client = await factory.CreateReadyClientAsync();
        var before = await MetricsExposition.ReadAsync(client);

        using var response = await client.PostAsync(new Uri("/embed", UriKind.Relative), Upload(UniformGreyPng(), "grey.png"), TestContext.Current.CancellationToken);
        var after = await MetricsExposition.ReadAsync(client);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(1, after.Delta(before, "faceapi_requests_without_face_total"));
        Assert.Equal(1, after.Delta(before, "faceapi_errors_total", ("code", "no_face")));
        Assert.Equal(1, after.Delta(before, "faceapi_detection_seconds_count"));
        Assert.Equal(0, after.Delta(before, "faceapi_faces_detected_total"));
        Assert.Equal(0, after.Delta(before, "faceapi_batch_size_count"));
    }

    [Fact]
    public async Task UnknownPathsShareOneSeriesInsteadOfAddingOnePerPath()
    {
        var client = await factory.CreateReadyClientAsync();
        var before = await MetricsExposition.ReadAsync(client);

        using var first = await client.GetAsync(new Uri("/does-not-exist-123", UriKind.Relative), TestContext.Current.CancellationToken);
        using var second = await client.GetAsync(new Uri("/users/8c1f0a/photos/42", UriKind.Relative), TestContext.Current.CancellationToken);
        var after = await MetricsExposition.ReadAsync(client);

        Assert.Equal(HttpStatusCode.NotFound, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, second.StatusCode);
        Assert.Equal(2, after.Delta(before, "http_requests_received_total", NoRouteNotFound));
        Assert.DoesNotContain("does-not-exist-123", after.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("8c1f0a", after.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelInfoReadinessAndQueueGaugesDescribeTheLoadedService()
    {
        var client = await factory.CreateReadyClientAsync();
        var models = factory.Services.GetRequiredService<FaceEngine>().Models!;
        var onnxRuntime = typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version!.ToString(3);

        var metrics = await MetricsExposition.ReadAsync(client);

        Assert.Equal(1, metrics.Find("faceapi_model_info", ("model", "mobilefacenet"), ("dimension", "128"), ("provider", "Cpu"), ("onnxruntime_version", onnxRuntime)));
        Assert.Equal(1, metrics.Find("faceapi_ready"));
        Assert.Equal(models.Batcher.QueueCapacity, metrics.Find("faceapi_queue_capacity"));
        Assert.Equal(0, metrics.Find("faceapi_queue_depth"));
        foreach (var reason in (string[])["queue_full", "timeout", "cancelled"])
        {
            Assert.NotNull(metrics.Find("faceapi_rejections_total", ("reason", reason)));
        }
    }

    private static MultipartFormDataContent PhotoUpload(string photo) => Upload(TestData.ReadFacePhoto(photo), photo);

    private static MultipartFormDataContent Upload(byte[] bytes, string fileName) => new() { { new ByteArrayContent(bytes), "image", fileName } };

    private static byte[] UniformGreyPng()
    {
        using var image = new Image<Rgb24>(320, 240, new Rgb24(128, 128, 128));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }
}
