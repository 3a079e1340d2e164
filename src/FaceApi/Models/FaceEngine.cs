using FaceApi.Contracts;
using FaceApi.Core.Batching;
using FaceApi.Core.Detection;
using FaceApi.Core.Pipeline;
using FaceApi.Core.Recognition;
using FaceApi.Core.Scheduling;
using FaceApi.Errors;
using FaceApi.Health;
using FaceApi.Metrics;

namespace FaceApi.Models;

/// <summary>
/// The loaded models and the pipeline over them, once they are ready. Endpoints ask it for the
/// pipeline; until the models are loaded and warmed (or while shutting down) it answers not_ready.
/// Every change of readiness also sets the <c>faceapi_ready</c> gauge, which exists (as 0) from
/// start-up so that an alert on <c>faceapi_ready == 0</c> sees a replica that never becomes ready.
/// </summary>
public sealed class FaceEngine
{
    private readonly Lock _transition = new();
    private volatile LoadedModels? _models;
    private volatile string _state = ReadinessStatus.Loading;
    private volatile string? _reason;
    private DateTimeOffset? _nextAttemptAt;

    public FaceEngine() => ServiceMetrics.Ready.Set(0);

    /// <summary>True when requests can be served.</summary>
    public bool IsReady => _models is not null && _state == ReadinessStatus.Ready;

    /// <summary>loading, ready, failed or stopping.</summary>
    public string State => _state;

    /// <summary>Why the service is not ready, when it is not: a short line without paths, shown to anyone (the full text is logged where it arose).</summary>
    public string? Reason => _reason;

    /// <summary>When a failed model download is tried again, while the state is loading; null otherwise.</summary>
    public DateTimeOffset? NextAttemptAt
    {
        get
        {
            lock (_transition)
            {
                return _nextAttemptAt;
            }
        }
    }

    /// <summary>The loaded models; null before loading finished.</summary>
    public LoadedModels? Models => _models;

    /// <summary>
    /// The models, or a 503 not_ready problem when they are not loaded. While stopping, requests are
    /// still served: readiness is already 503 so the load balancer stops sending, and the requests it
    /// sent meanwhile are answered; once the batcher drains they get not_ready from it.
    /// </summary>
    public LoadedModels RequireReady() => _models is { } models && _state is ReadinessStatus.Ready or ReadinessStatus.Stopping
        ? models
        : throw new ApiProblemException(
            StatusCodes.Status503ServiceUnavailable,
            ProblemCode.NotReady,
            _reason ?? $"The service is {_state}; retry shortly.");

    /// <summary>
    /// Publishes the loaded models, unless shutdown began meanwhile: then the caller still owns them
    /// and must release them. One lock with <see cref="TryMarkStopping"/>, so a service that is stopping
    /// never turns ready again.
    /// </summary>
    internal bool TryMarkReady(LoadedModels models)
    {
        lock (_transition)
        {
            if (_state == ReadinessStatus.Stopping)
            {
                return false;
            }

            _models = models;
            _reason = null;
            _nextAttemptAt = null;
            _state = ReadinessStatus.Ready;
            ServiceMetrics.Ready.Set(1);
            return true;
        }
    }

    internal void MarkFailed(string reason)
    {
        lock (_transition)
        {
            _reason = PublicReason.Shorten(reason);
            _nextAttemptAt = null;
            _state = ReadinessStatus.Failed;
            ServiceMetrics.Ready.Set(0);
        }
    }

    /// <summary>
    /// Still loading: the last attempt failed for <paramref name="reason"/> and the next one starts at
    /// <paramref name="nextAttemptAt"/>. Ignored once shutdown began.
    /// </summary>
    internal void MarkRetrying(string reason, DateTimeOffset nextAttemptAt)
    {
        lock (_transition)
        {
            if (_state == ReadinessStatus.Stopping)
            {
                return;
            }

            _reason = PublicReason.Shorten(reason);
            _nextAttemptAt = nextAttemptAt;
            _state = ReadinessStatus.Loading;
        }
    }

    /// <summary>Turns readiness off for good; false when shutdown had already begun.</summary>
    internal bool TryMarkStopping()
    {
        lock (_transition)
        {
            if (_state == ReadinessStatus.Stopping)
            {
                return false;
            }

            _reason = "The service is shutting down.";
            _nextAttemptAt = null;
            _state = ReadinessStatus.Stopping;
            ServiceMetrics.Ready.Set(0);
            return true;
        }
    }
}

/// <summary>Everything that is loaded once the service is ready.</summary>
public sealed record LoadedModels(
    ScrfdDetector Detector,
    ArcFaceEmbedder Embedder,
    EmbeddingBatcher Batcher,
    ComputeScheduler Compute,
    FacePipeline Pipeline,
    string DetectorFile,
    string RecognitionFile);
