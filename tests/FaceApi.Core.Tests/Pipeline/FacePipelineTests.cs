using FaceApi.Core.Batching;
using FaceApi.Core.Imaging;
using FaceApi.Core.Pipeline;
using FaceApi.Core.Scheduling;
using FaceApi.Core.Shedding;
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
        using var compute = new ComputeScheduler(threadCount: 1);
        var pipeline = new FacePipeline(new ImageDecoder(new ImageDecodingOptions()), models.Detector!, batcher, compute, models.Embedder!.CropSize);
        var family = TestData.ReadFacePhoto("obama_family.jpg"); // 4 faces (faces.json)

        await Assert.ThrowsAsync<TooManyFacesException>(() => pipeline.AnalyzeAsync(family, new AnalysisRequest(), TestContext.Current.CancellationToken));
        var analysis = await pipeline.AnalyzeAsync(family, new AnalysisRequest(MaxFaces: 2), TestContext.Current.CancellationToken);

        Assert.Equal(4, analysis.FacesFound);
        Assert.Equal(2, analysis.Faces.Count);
        Assert.Equal(0, batcher.QueueDepth);
    }

    [Fact]
    public async Task Decoding_detection_and_alignment_run_on_the_compute_threads_never_on_the_thread_pool()
    {
        TestData.RequireAvailable();
        await using var batcher = new EmbeddingBatcher(models.Embedder!, new BatchingOptions(), NullLogger<EmbeddingBatcher>.Instance);
        using var compute = new ComputeScheduler(threadCount: 1);
        var stages = new StageThreads();
        var pipeline = new FacePipeline(new ImageDecoder(new ImageDecodingOptions()), models.Detector!, batcher, compute, models.Embedder!.CropSize, stages);

        var analysis = await pipeline.AnalyzeAsync(TestData.ReadFacePhoto("obama_family.jpg"), new AnalysisRequest(), TestContext.Current.CancellationToken);

        Assert.Equal(4, analysis.Faces.Count);
        Assert.Equal(["decode faceapi-compute-0", "detect faceapi-compute-0", "align faceapi-compute-0"], stages.Seen);
    }

    [Fact]
    public async Task An_image_that_fails_or_is_abandoned_in_the_image_stage_gives_its_place_in_line_back()
    {
        TestData.RequireAvailable();
        await using var batcher = new EmbeddingBatcher(models.Embedder!, new BatchingOptions { QueueCapacity = 2 }, NullLogger<EmbeddingBatcher>.Instance);
        using var compute = new ComputeScheduler(threadCount: 1);
        var detectorRun = new ExponentialMovingAverage();
        detectorRun.Add(1.0); // any image in line is more wait than the 0.5 s allowed
        var shedder = new LoadShedder(TimeSpan.FromSeconds(0.5), detectorRun, detectionRuns: 1, imageWorkers: 1, embeddingSecondsPerFace: new ExponentialMovingAverage());
        var pipeline = new FacePipeline(new ImageDecoder(new ImageDecodingOptions()), models.Detector!, batcher, compute, models.Embedder!.CropSize, shedder: shedder);
        var identified = pipeline.Identify(TestData.ReadFacePhoto("obama.jpg"));

        // Fails on the compute thread, after detection: four faces (faces.json) for a queue of two.
        await Assert.ThrowsAsync<TooManyFacesException>(() => pipeline.AnalyzeAsync(TestData.ReadFacePhoto("obama_family.jpg"), new AnalysisRequest(), TestContext.Current.CancellationToken));
        Assert.True(LetsAnImageIn(pipeline));

        // Abandoned while queued behind a busy compute thread: it never runs, and still leaves the line.
        using var release = new ManualResetEventSlim();
        var busy = compute.Run(release.Wait, TestContext.Current.CancellationToken);
        using var abandoned = new CancellationTokenSource();
        var analysis = pipeline.AnalyzeAsync(identified, new AnalysisRequest(), abandoned.Token);
        Assert.False(LetsAnImageIn(pipeline));
        await abandoned.CancelAsync();
        release.Set();
        await busy;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => analysis);
        Assert.True(LetsAnImageIn(pipeline));
    }

    [Fact]
    public async Task Decoded_pixels_are_reserved_on_the_compute_thread_for_as_long_as_the_image_is_decoded()
    {
        TestData.RequireAvailable();
        await using var batcher = new EmbeddingBatcher(models.Embedder!, new BatchingOptions(), NullLogger<EmbeddingBatcher>.Instance);
        using var compute = new ComputeScheduler(threadCount: 1);
        var stages = new StageThreads();
        var pipeline = new FacePipeline(
            new ImageDecoder(new ImageDecodingOptions()), models.Detector!, batcher, compute, models.Embedder!.CropSize, stages, decodingBudget: new RecordedBudget(stages));
        var photo = pipeline.Identify(TestData.ReadFacePhoto("obama_family.jpg"));

        await pipeline.AnalyzeAsync(photo, new AnalysisRequest(), TestContext.Current.CancellationToken);
        // A crop small enough to decode on the request's thread takes nothing: its wait would block that thread.
        await pipeline.AnalyzeAsync(CraftedImages.BlackPng(112, 112), new AnalysisRequest(Aligned: true), TestContext.Current.CancellationToken);

        Assert.Equal(
            [$"reserve {photo.DecodingPixels} faceapi-compute-0", "decode faceapi-compute-0", "detect faceapi-compute-0", "align faceapi-compute-0", "release faceapi-compute-0"],
            stages.Seen[..5]);
        Assert.Equal("decode", Assert.Single(stages.Seen[5..]).Split(' ')[0]);
    }

    // The verdict before an upload, the place it takes given back at once.
    private static bool LetsAnImageIn(FacePipeline pipeline)
    {
        var retryAfter = pipeline.RetryAfterIfOverloaded(needsImageStage: true, out var place);
        place?.Dispose();
        return retryAfter is null;
    }

    // Records which thread each stage ran on.
    private sealed class StageThreads : IPipelineObserver
    {
        public List<string> Seen { get; } = [];

        public void ImageDecoded(TimeSpan elapsed) => Record("decode");

        public void FacesDetected(TimeSpan elapsed, int faces) => Record("detect");

        public void FacesAligned(TimeSpan elapsed, int faces) => Record("align");

        public void RequestShed(TimeSpan expectedWait) => Record("shed");

        public void Record(string stage) => Seen.Add($"{stage} {(Thread.CurrentThread.IsThreadPoolThread ? "thread-pool" : Thread.CurrentThread.Name)}");
    }

    // A budget that always has room, and records in the stages' log where pixels are taken and given back.
    private sealed class RecordedBudget(StageThreads log) : IDecodingBudget
    {
        public IDisposable Reserve(long pixels, CancellationToken cancellationToken)
        {
            log.Record($"reserve {pixels}");
            return new Release(log);
        }

        private sealed class Release(StageThreads log) : IDisposable
        {
            public void Dispose() => log.Record("release");
        }
    }
}
