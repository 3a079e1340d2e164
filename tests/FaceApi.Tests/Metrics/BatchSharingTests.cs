using System.Net;
using FaceApi.Models;
using FaceApi.Testing;
using FaceApi.Tests.Hardening;
using Microsoft.Extensions.DependencyInjection;

namespace FaceApi.Tests.Metrics;

/// <summary>
/// Concurrent requests share recognition model runs, and the batch-size histogram shows it. The
/// test recogniser (MobileFaceNet) has a fixed batch of 1, so this uses a tiny IResNet with a
/// dynamic batch, built into a temporary folder.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class BatchSharingTests : IDisposable
{
    private const int Requests = 16;

    private readonly string _modelDirectory = Directory.CreateTempSubdirectory("faceapi-metrics-").FullName;

    [Fact]
    public async Task ConcurrentRequestsShareModelRunsAndTheBatchSizeHistogramShowsIt()
    {
        var model = Path.Combine(_modelDirectory, "iresnet-tiny.onnx");
        IResNetModelBuilder.Build(IResNetSpec.Tiny).Save(model);
        await using var factory = new DefaultService
        {
            Settings =
            {
                ["FaceApi:Recognition:ModelPath"] = model,
                ["FaceApi:Recognition:Name"] = "iresnet-tiny",
                ["FaceApi:Recognition:ChannelOrder"] = "RGB",
                ["FaceApi:Recognition:Std"] = "127.5",
                ["FaceApi:Inference:PoolSize"] = "1",
                ["FaceApi:Batching:MaxBatchSize"] = Requests.ToString(System.Globalization.CultureInfo.InvariantCulture),
                // Long enough for the faces of requests sent together to meet in one batch on a busy CI machine.
                ["FaceApi:Batching:MaxQueueDelay"] = "00:00:00.200",
            },
        };
        var client = await factory.CreateReadyClientAsync();
        var crop = AlignedCrops.OfReferenceFace("obama.jpg");
        var batcher = factory.Services.GetRequiredService<FaceEngine>().Models!.Batcher;
        var batchesBefore = batcher.BatchesRun;
        var before = await MetricsExposition.ReadAsync(client);

        var responses = await Task.WhenAll(Enumerable.Range(0, Requests).Select(_ =>
            client.PostAsync(new Uri("/embed?aligned=true", UriKind.Relative), new MultipartFormDataContent { { new ByteArrayContent(crop), "image", "crop.png" } }, TestContext.Current.CancellationToken)));
        var after = await MetricsExposition.ReadAsync(client);
        var statuses = responses.Select(response => response.StatusCode).ToArray();
        Array.ForEach(responses, response => response.Dispose());

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        var runs = after.Delta(before, "faceapi_batch_size_count");
        Assert.Equal(Requests, after.Delta(before, "faceapi_faces_embedded_total"));
        Assert.Equal(Requests, after.Delta(before, "faceapi_batch_size_sum"));
        Assert.Equal(batcher.BatchesRun - batchesBefore, runs);
        Assert.InRange(runs, 1, Requests - 1);
    }

    public void Dispose() => Directory.Delete(_modelDirectory, recursive: true);
}
