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
        var shedder = new LoadShedder(TimeSpan.FromSeconds(1.5), detection, detectionRuns: 1, embeddingSecondsPerFace: new ExponentialMovingAverage());

        shedder.Admit(needsDetection: true, batcher); // nothing ahead
        shedder.Admit(needsDetection: true, batcher); // one image ahead: 1 s
        // Two ahead: 2 s, over the limit, for an image that needs the detector; an aligned crop skips it.
        Assert.Throws<QueueFullException>(() => shedder.RefuseIfOverloaded(needsDetection: true, batcher));
        shedder.RefuseIfOverloaded(needsDetection: false, batcher);

        shedder.DetectionFinished(facesToEmbed: 0);
        // One ahead again. Checking, however often, takes no place: the next Admit still gets in, and only it.
        for (var i = 0; i < 5; i++)
        {
            shedder.RefuseIfOverloaded(needsDetection: true, batcher);
        }

        shedder.Admit(needsDetection: true, batcher);
        var refused = Assert.Throws<QueueFullException>(() => shedder.Admit(needsDetection: true, batcher));
        Assert.Equal(TimeSpan.FromSeconds(2), refused.RetryAfter);
    }
}
