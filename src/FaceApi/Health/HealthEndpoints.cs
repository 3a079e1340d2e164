using FaceApi.Models;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FaceApi.Health;

/// <summary>
/// Liveness and readiness for load balancers and Kubernetes. Liveness only says the process
/// answers (restarting cannot fix a missing model); readiness says requests can be served now.
/// </summary>
public static class HealthEndpoints
{
    public static RouteGroupBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Health");
        group.MapGet("/live", () => TypedResults.Ok(new LivenessResponse("alive")))
            .WithName("Live")
            .WithSummary("The process is up.");
        group.MapGet("/ready", Ready)
            .WithName("Ready")
            .WithSummary("Models are loaded and warmed; names them and the execution provider in use.")
            .Produces<ReadinessResponse>(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    internal static Results<Ok<ReadinessResponse>, JsonHttpResult<ReadinessResponse>> Ready(FaceEngine engine)
    {
        var models = engine.Models;
        var response = new ReadinessResponse(
            engine.State,
            engine.Reason,
            models is null ? null : new ModelDescription(models.Embedder.ModelName, Path.GetFileName(models.RecognitionFile), models.Embedder.EmbeddingSize, models.Embedder.Provider.ToString(), models.Embedder.FixedBatchSize is null, models.Embedder.CudaFallbackReason),
            models is null ? null : new ModelDescription("scrfd", Path.GetFileName(models.DetectorFile), null, models.Detector.Provider.ToString(), null, models.Detector.CudaFallbackReason));
        return engine.IsReady
            ? TypedResults.Ok(response)
            : TypedResults.Json(response, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    public sealed record LivenessResponse(string Status);

    /// <summary>Readiness: <c>ready</c>, <c>loading</c>, <c>failed</c> or <c>stopping</c>.</summary>
    public sealed record ReadinessResponse(string Status, string? Reason, ModelDescription? Recognition, ModelDescription? Detection);

    /// <summary>
    /// A loaded model and the execution provider (CUDA or CPU) it actually runs on; when CUDA was
    /// asked for but could not be loaded, why (a silent CPU fallback is the commonest surprise).
    /// </summary>
    public sealed record ModelDescription(string Name, string File, int? Dimension, string Provider, bool? DynamicBatch, string? CudaFallbackReason);
}
