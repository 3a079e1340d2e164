using FaceApi.Core.Batching;
using FaceApi.Core.Imaging;
using FaceApi.Core.Pipeline;
using FaceApi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceApi.Core.Tests.Pipeline;

public sealed class FacePipelineTests(ModelFixture models) : IClassFixture<ModelFixture>
{
    [Fact]
    public async Task An_image_with_more_faces_than_the_queue_holds_is_refused_and_max_faces_lets_it_through()
    {
        TestData.RequireAvailable();
        await using var batcher = new EmbeddingBatcher(models.Embedder!, new BatchingOptions { QueueCapacity = 2 }, NullLogger<EmbeddingBatcher>.Instance);
        var pipeline = new FacePipeline(new ImageDecoder(new ImageDecodingOptions()), models.Detector!, batcher, models.Embedder!.CropSize);
        var family = TestData.ReadFacePhoto("obama_family.jpg"); // 4 faces (faces.json)

        await Assert.ThrowsAsync<TooManyFacesException>(() => pipeline.AnalyzeAsync(family, new AnalysisRequest(), TestContext.Current.CancellationToken));
        var analysis = await pipeline.AnalyzeAsync(family, new AnalysisRequest(MaxFaces: 2), TestContext.Current.CancellationToken);

        Assert.Equal(4, analysis.FacesFound);
        Assert.Equal(2, analysis.Faces.Count);
        Assert.Equal(0, batcher.QueueDepth);
    }
}
