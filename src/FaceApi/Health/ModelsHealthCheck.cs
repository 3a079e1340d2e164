using FaceApi.Contracts;
using FaceApi.Models;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FaceApi.Health;

/// <summary>
/// Healthy when the models are loaded and warmed. The readiness answer it builds travels in the
/// result's data, so <c>/health/ready</c> writes exactly what this check saw.
/// </summary>
internal sealed class ModelsHealthCheck(FaceEngine engine) : IHealthCheck
{
    public const string Name = "models";

    /// <summary>The key of the <see cref="ReadinessResponse"/> in <see cref="HealthCheckResult.Data"/>.</summary>
    public const string ReadinessKey = "readiness";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var readiness = Describe(engine);
        var data = new Dictionary<string, object> { [ReadinessKey] = readiness };
        return Task.FromResult(engine.IsReady
            ? HealthCheckResult.Healthy("Models are loaded and warmed.", data)
            : HealthCheckResult.Unhealthy(readiness.Reason ?? $"The service is {readiness.Status}.", data: data));
    }

    internal static ReadinessResponse Describe(FaceEngine engine)
    {
        var models = engine.Models;
        return new ReadinessResponse(
            engine.State,
            engine.Reason,
            models is null ? null : new ModelDescription(
                models.Embedder.ModelName,
                Path.GetFileName(models.RecognitionFile),
                models.Embedder.EmbeddingSize,
                models.Embedder.Provider.ToString(),
                models.Embedder.FixedBatchSize is null,
                CudaFallback(models.Embedder.CudaFallbackReason)),
            models is null ? null : new ModelDescription(
                "scrfd",
                Path.GetFileName(models.DetectorFile),
                null,
                models.Detector.Provider.ToString(),
                null,
                CudaFallback(models.Detector.CudaFallbackReason)),
            engine.NextAttemptAt);
    }

    private static string? CudaFallback(string? reason) => reason is null ? null : PublicReason.ForCudaFallback(reason);
}
