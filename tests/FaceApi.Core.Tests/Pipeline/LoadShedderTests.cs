using FaceApi.Core.Batching;
using FaceApi.Core.Shedding;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace FaceApi.Core.Tests.Pipeline;

/// <summary>The expected-wait verdicts of <see cref="LoadShedder"/>, priced by hand (no face queued), against a real batcher on the test recogniser.</summary>
public sealed class LoadShedderTests(ModelFixture models) : IClassFixture<ModelFixture>
{
    [Fact]
    public async Task An_image_let_in_before_its_upload_holds_a_place_that_the_images_after_it_count()
    {
        await using var batcher = new EmbeddingBatcher(models.Embedder!, new BatchingOptions(), NullLogger<EmbeddingBatcher>.Instance);
        var detection = new ExponentialMovingAverage();
        detection.Add(1.0); // one detector run at a time: each image in line is 1 s of wait
        // A clock that stands still: no place expires however slow the machine.
        var shedder = new LoadShedder(TimeSpan.FromSeconds(1.5), detection, detectionRuns: 1, imageWorkers: 2, embeddingSecondsPerFace: new ExponentialMovingAverage(), time: new FakeTimeProvider());

        // Two uploads let in: nothing ahead of the first, the first's place (1 s) ahead of the second.
        Assert.Null(shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher, out var first));
        Assert.Null(shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher, out var second));
        // Neither image is in yet, and the third already has 2 s ahead of it; an aligned crop skips the
        // image stage, and takes no place in its line.
        Assert.Equal(TimeSpan.FromSeconds(2), shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher, out var refused));
        Assert.Null(refused);
        Assert.Null(shedder.RetryAfterIfOverloaded(needsImageStage: false, batcher, out var crop));
        Assert.Null(crop);

        // The detector slowed down while they uploaded: the second's place alone is now far over the limit.
        // The first arrives and goes in on its place all the same: it was counted since the door.
        detection.Add(10.0); // 2.8 s an image now
        shedder.Admit(needsImageStage: true, batcher, first);
        first!.Dispose(); // used up: gives nothing back
        shedder.ImageStageFinished(facesToEmbed: 0, stageTime: null);
        Assert.NotNull(shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher, out _)); // the second's place

        // The second's request ends before its image goes in (a bad upload): its place is given back, once.
        second!.Dispose();
        second.Dispose();
        Assert.Null(shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher, out var third));
        Assert.NotNull(shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher, out _)); // the third's place
        third!.Dispose();
    }

    [Fact]
    public async Task A_place_held_longer_than_max_queue_time_stops_counting_and_its_image_gets_a_verdict_when_it_arrives()
    {
        await using var batcher = new EmbeddingBatcher(models.Embedder!, new BatchingOptions(), NullLogger<EmbeddingBatcher>.Instance);
        var clock = new FakeTimeProvider();
        var shedder = ShedderPricingAnImageAtOneSecond(TimeSpan.FromSeconds(1.5), clock);
        Assert.Null(shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher, out var slow));
        Assert.Null(shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher, out var slower));

        // Held for as long as an image was to wait, the places still count...
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.NotNull(shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher, out _));
        // ...and then no longer: uploads sent slowly cannot keep every other image out.
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(shedder.RetryAfterIfOverloaded(needsImageStage: true, batcher, out var prompt));

        // The slow uploads arrive after the image let in since: each is judged on the line as it is now.
        shedder.Admit(needsImageStage: true, batcher, slow); // the prompt one's place ahead: 1 s
        var late = Assert.Throws<QueueFullException>(() => shedder.Admit(needsImageStage: true, batcher, slower));
        Assert.Equal(TimeSpan.FromSeconds(2), late.RetryAfter);
        prompt!.Dispose();
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

    [Fact]
    public async Task One_image_far_slower_than_the_rest_does_not_price_the_next_ones_out()
    {
        await using var batcher = new EmbeddingBatcher(models.Embedder!, new BatchingOptions(), NullLogger<EmbeddingBatcher>.Instance);
        var shedder = ShedderAfterImagesOf(TimeSpan.FromSeconds(0.2), batcher, count: 10);

        // A pathological image held a compute thread for 14.5 s (the progressive-JPEG bomb of issue 13's second probe).
        shedder.Admit(needsImageStage: true, batcher);
        shedder.ImageStageFinished(facesToEmbed: 0, stageTime: TimeSpan.FromSeconds(14.5));

        // Nine ordinary photos at once: eight ahead of the last, two compute threads. Taken whole, the
        // outlier would price them at 1.5 s each (12.2 s); bounded (0.48 s of a thread, 0.24 s each), the
        // last still fits in 2 s.
        Assert.InRange(shedder.ExpectedWait(imagesAhead: 8, queuedFaces: 0, concurrentBatches: 1), TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task A_lasting_slowdown_is_priced_within_a_few_images()
    {
        await using var batcher = new EmbeddingBatcher(models.Embedder!, new BatchingOptions(), NullLogger<EmbeddingBatcher>.Instance);
        var shedder = ShedderAfterImagesOf(TimeSpan.FromSeconds(0.2), batcher, count: 10);

        // The photos became ten times larger: after eight of them an image is priced at over 0.75 s of a
        // compute thread's 1 s (two threads), against 0.1 s before.
        for (var i = 0; i < 8; i++)
        {
            shedder.Admit(needsImageStage: true, batcher);
            shedder.ImageStageFinished(facesToEmbed: 0, stageTime: TimeSpan.FromSeconds(2));
        }

        Assert.InRange(shedder.ExpectedWait(imagesAhead: 1, queuedFaces: 0, concurrentBatches: 1), TimeSpan.FromSeconds(0.75), TimeSpan.FromSeconds(1));
    }

    // A detector run priced at 1 s, one at a time: each image in line is 1 s of wait (no face queued).
    private static LoadShedder ShedderPricingAnImageAtOneSecond(TimeSpan maxQueueTime, TimeProvider? clock = null)
    {
        var detection = new ExponentialMovingAverage();
        detection.Add(1.0);
        return new LoadShedder(maxQueueTime, detection, detectionRuns: 1, imageWorkers: 2, embeddingSecondsPerFace: new ExponentialMovingAverage(), time: clock);
    }

    // A shedder with a 2 s limit and two compute threads whose image stage has served count images of stageTime each.
    private static LoadShedder ShedderAfterImagesOf(TimeSpan stageTime, EmbeddingBatcher batcher, int count)
    {
        var detection = new ExponentialMovingAverage();
        detection.Add(0.01);
        var shedder = new LoadShedder(TimeSpan.FromSeconds(2), detection, detectionRuns: 1, imageWorkers: 2, embeddingSecondsPerFace: new ExponentialMovingAverage());
        for (var i = 0; i < count; i++)
        {
            shedder.Admit(needsImageStage: true, batcher);
            shedder.ImageStageFinished(facesToEmbed: 0, stageTime: stageTime);
        }

        return shedder;
    }
}
