using FaceApi.Core.Batching;
using FaceApi.Core.Detection;
using FaceApi.Core.Imaging;
using FaceApi.Core.Inference;
using FaceApi.Core.Pipeline;
using FaceApi.Core.Recognition;
using FaceApi.Core.Scheduling;
using FaceApi.Core.Shedding;
using FaceApi.Hosting;
using FaceApi.Metrics;
using FaceApi.Provisioning;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace FaceApi.Models;

/// <summary>
/// Brings the models up in the background so the process answers liveness at once: provisions the
/// files (downloading buffalo_l when allowed), loads detector and recogniser session pools, warms
/// them with the batch sizes the batcher will use, starts the compute threads that decode and detect,
/// and then marks the service ready. On shutdown it turns readiness off first, then drains the batcher
/// and stops the compute threads.
/// </summary>
public sealed class ModelLoader(
    FaceEngine engine,
    ModelProvisioner provisioner,
    ModelFiles files,
    IOptions<DetectionOptions> detection,
    IOptions<RecognitionOptions> recognition,
    IOptions<InferenceOptions> inference,
    IOptions<BatchingOptions> batching,
    IOptions<ImageDecodingOptions> decoding,
    IOptions<RequestAdmissionOptions> admission,
    IOptions<ShutdownOptions> shutdown,
    IOptions<ModelProvisioningOptions> provisioning,
    TimeProvider timeProvider,
    DecodedPixelBudget decodingBudget,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<ModelLoader>();
    private readonly Lock _releaseLock = new();
    private Task? _release;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lifetime.ApplicationStopping.Register(BeginShutdown);
        try
        {
            var detectorFile = files.Detector;
            var recognitionFile = files.Recognition;
            var provisioned = await ProvisionAsync([detectorFile, recognitionFile], stoppingToken);
            if (!provisioned.IsProvisioned)
            {
                engine.MarkFailed(NotAvailable(provisioned));
                return;
            }

            // Loading and warming are seconds of CPU work; keep them off the host's start-up path.
            var loaded = await Task.Run(() => LoadAsync(detectorFile, recognitionFile, stoppingToken), stoppingToken);
            if (!engine.TryMarkReady(loaded))
            {
                // Shutdown began while the models loaded: nobody else will release them.
                await ReleaseAsync(loaded, CancellationToken.None);
                return;
            }

            _logger.LogInformation(
                "Ready: detector {Detector} and recogniser {Model} ({Dimension}-d) on {Provider}, batches of up to {BatchSize}",
                Path.GetFileName(detectorFile),
                loaded.Embedder.ModelName,
                loaded.Embedder.EmbeddingSize,
                loaded.Embedder.Provider,
                loaded.Batcher.MaxBatchSize);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down before the models came up.
        }
        catch (Exception ex) when (ex is ModelContractException or GpuUnavailableException or FileNotFoundException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException)
        {
            _logger.LogError(ex, "The models could not be loaded; the service stays not ready");
            engine.MarkFailed(ex.Message);
        }
    }

    /// <summary>
    /// Provisions the model files, trying a transiently failed download again (5 s doubling to 5 min by
    /// default, with jitter) until it succeeds or the host stops: a network blip at start-up must not leave
    /// a replica unready for good while liveness keeps it alive. Meanwhile readiness says loading, why, and
    /// when next. Other outcomes (files present, download switched off, and permanent failures such as a
    /// file not in the pack or HTTP 404, see <see cref="ProvisioningResult.IsTransient"/>) are final at once.
    /// </summary>
    private async Task<ProvisioningResult> ProvisionAsync(string[] modelFiles, CancellationToken stoppingToken)
    {
        var retry = new ResiliencePipelineBuilder<ProvisioningResult> { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions<ProvisioningResult>
            {
                ShouldHandle = attempt => ValueTask.FromResult(attempt.Outcome.Result is { Status: ProvisioningStatus.Failed, IsTransient: true }),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = provisioning.Value.RetryDelay,
                MaxDelay = provisioning.Value.MaxRetryDelay,
                // Polly's value for "retry indefinitely"; the host's stopping token ends the loop.
                MaxRetryAttempts = int.MaxValue,
                OnRetry = attempt =>
                {
                    var nextAttemptAt = timeProvider.GetUtcNow() + attempt.RetryDelay;
                    _logger.LogWarning(
                        "Model download attempt {Attempt} failed; trying again in {Delay} (at {NextAttemptAt:O})",
                        attempt.AttemptNumber + 1,
                        attempt.RetryDelay,
                        nextAttemptAt);
                    engine.MarkRetrying(NotAvailable(attempt.Outcome.Result!), nextAttemptAt);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        return await retry.ExecuteAsync(token => new ValueTask<ProvisioningResult>(provisioner.EnsureModelsAsync(modelFiles, token)), stoppingToken);
    }

    private static string NotAvailable(ProvisioningResult result) => $"Models are not available: {result.Reason}. {result.Remedy}".Trim();

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        BeginShutdown();
        await base.StopAsync(cancellationToken);

        // A host may stop a service more than once, even at the same time: under WebApplicationFactory
        // the app's RunAsync and the factory's DisposeAsync both stop it. Releasing the sessions twice
        // is a native double free that aborts the process, so the first call releases and the others wait.
        Task release;
        lock (_releaseLock)
        {
            release = _release ??= engine.Models is { } loaded ? ReleaseAsync(loaded, cancellationToken) : Task.CompletedTask;
        }

        await release.WaitAsync(cancellationToken);
    }

    // The server has stopped taking requests by now; finish what is queued, then free the sessions.
    private static async Task ReleaseAsync(LoadedModels loaded, CancellationToken cancellationToken)
    {
        await loaded.Batcher.DrainAsync(cancellationToken);
        await loaded.Batcher.DisposeAsync();
        loaded.Compute.Dispose();
        loaded.Embedder.Dispose();
        loaded.Detector.Dispose();
    }

    private void BeginShutdown()
    {
        if (!engine.TryMarkStopping())
        {
            return;
        }

        var delay = shutdown.Value.ReadinessDrainDelay;
        if (delay > TimeSpan.Zero)
        {
            _logger.LogInformation("Shutting down: readiness is 503, serving for {Delay} more before closing", delay);
            // ApplicationStopping callbacks run before the server stops, so requests keep being served.
            Thread.Sleep(delay);
        }
    }

    private async Task<LoadedModels> LoadAsync(string detectorFile, string recognitionFile, CancellationToken cancellationToken)
    {
        InferenceSessionPool? detectorSessions = null;
        InferenceSessionPool? recognitionSessions = null;
        ScrfdDetector? detector = null;
        ArcFaceEmbedder? embedder = null;
        EmbeddingBatcher? batcher = null;
        ComputeScheduler? compute = null;
        try
        {
            detectorSessions = InferenceSessionPool.Load(detectorFile, inference.Value, loggers.CreateLogger<InferenceSessionPool>());
            detector = new ScrfdDetector(detectorSessions, detection.Value);
            recognitionSessions = InferenceSessionPool.Load(recognitionFile, inference.Value, loggers.CreateLogger<InferenceSessionPool>());
            embedder = new ArcFaceEmbedder(recognitionSessions, recognition.Value);
            var observer = new PipelineMetricsObserver(embedder.ModelName, embedder.Provider.ToString());
            compute = new ComputeScheduler(inference.Value.ComputeThreads, inference.Value.ComputeNiceness);
            var shedder = new LoadShedder(
                admission.Value.MaxQueueTime, detector.RunSeconds, detector.ConcurrentRuns, compute.MaximumConcurrencyLevel, embedder.SecondsPerFace, observer, timeProvider);
            batcher = new EmbeddingBatcher(embedder, batching.Value, loggers.CreateLogger<EmbeddingBatcher>(), observer, inference.Value.ComputeNiceness);

            await compute.Run(detector.WarmUp, cancellationToken);
            await embedder.WarmUpAsync(WarmUpBatchSizes(batcher.MaxBatchSize), cancellationToken);

            ServiceMetrics.QueueCapacity.Set(batcher.QueueCapacity);
            Prometheus.Metrics.DefaultRegistry.AddBeforeCollectCallback(() => ServiceMetrics.QueueDepth.Set(batcher.QueueDepth));
            ServiceMetrics.ModelInfo.WithLabels(
                embedder.ModelName,
                embedder.EmbeddingSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                embedder.Provider.ToString(),
                OnnxRuntimeVersion).Set(1);

            var pipeline = new FacePipeline(new ImageDecoder(decoding.Value), detector, batcher, compute, embedder.CropSize, observer, shedder, decodingBudget);
            return new LoadedModels(detector, embedder, batcher, compute, pipeline, detectorFile, recognitionFile);
        }
        catch
        {
            // A wrong model file must not leave its sessions (GPU memory) or the batcher's threads behind.
            if (batcher is not null)
            {
                await batcher.DisposeAsync();
            }

            compute?.Dispose();

            (embedder as IDisposable ?? recognitionSessions)?.Dispose();
            (detector as IDisposable ?? detectorSessions)?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Powers of two up to the largest batch, and the largest itself: the shapes the batcher produces
    /// most. Others still run; they only miss the warm caches (cuDNN algorithm choice, arena growth).
    /// </summary>
    internal static IEnumerable<int> WarmUpBatchSizes(int maxBatchSize)
    {
        for (var size = 1; size < maxBatchSize; size *= 2)
        {
            yield return size;
        }

        yield return maxBatchSize;
    }

    private static string OnnxRuntimeVersion =>
        typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString(3) ?? "unknown";
}
