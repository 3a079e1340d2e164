using FaceApi.Core.Batching;
using FaceApi.Core.Shedding;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceApi.Core.Tests.Pipeline;

/// <summary>The expected-wait verdicts of <see cref="LoadShedder"/>, priced by hand (no face queued), against a real batcher on the test recogniser.</summary>
public sealed class LoadShedderTests(ModelFixture models) : IClassFixture<ModelFixture>
{
    [Fact]
    public async Task Refusing_before_the_body_gives_the_admit_verdict_without_taking_a_place_in_line()
    {
        await using var batcher = new EmbeddingBatcher(models.Embedder!, new BatchingOptions(), NullLogger<EmbeddingBatcher>.Instance);
        var detection = new ExponentialMovingAverage();
        detection.Add(1.0); // one detector run: 1 s
        var shedder = new LoadShedder(TimeSpan.FromSeconds(1.5), detection, detectionRuns: 1, imageWorkers: 2, embeddingSecondsPerFace: new ExponentialMovingAverage());

        shedder.Admit(needsImageStage: true, batcher); // nothing ahead
        shedder.Admit(needsImageStage: true, batcher); // one image ahead: 1 s
        // Two ahead: 2 s, over the limit, for an image that needs the detector; an aligned crop skips it.
        Assert.Equal(TimeSpan.FromSeconds(2), shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher));
        Assert.Null(shedder.RetryAfterIfOverloaded(needsImageStage: false, batcher));

        shedder.ImageStageFinished(facesToEmbed: 0, stageTime: null);
        // One ahead again. Checking, however often, takes no place: the next Admit still gets in, and only it.
        for (var i = 0; i < 5; i++)
        {
            Assert.Null(shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher));
        }

        shedder.Admit(needsImageStage: true, batcher);
        var refused = Assert.Throws<QueueFullException>(() => shedder.Admit(needsImageStage: true, batcher));
        Assert.Equal(TimeSpan.FromSeconds(2), refused.RetryAfter);
    }

    [Fact]
    public async Task An_image_stage_slower_than_the_detector_sets_the_price_of_the_images_ahead()
    {
        await using var batcher = new EmbeddingBatcher(models.Embedder!, new BatchingOptions(), NullLogger<EmbeddingBatcher>.Instance);
        var detection = new ExponentialMovingAverage();
        detection.Add(0.01); // a GPU's detector run: 10 ms
        var shedder = new LoadShedder(TimeSpan.FromSeconds(1.5), detection, detectionRuns: 1, imageWorkers: 2, embeddingSecondsPerFace: new ExponentialMovingAverage());
        shedder.Admit(needsImageStage: true, batcher);
        // Decoding made the image take 4 s on one of two compute threads: 2 s an image, whatever the detector's 10 ms say.
        shedder.ImageStageFinished(facesToEmbed: 0, stageTime: TimeSpan.FromSeconds(4));

        shedder.Admit(needsImageStage: true, batcher); // nothing ahead
        var refused = Assert.Throws<QueueFullException>(() => shedder.Admit(needsImageStage: true, batcher));
        Assert.Equal(TimeSpan.FromSeconds(2), refused.RetryAfter);
    }
}
