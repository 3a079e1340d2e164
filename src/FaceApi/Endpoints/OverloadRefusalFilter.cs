using FaceApi.Core.Batching;
using FaceApi.Errors;
using FaceApi.Metrics;
using FaceApi.Models;

namespace FaceApi.Endpoints;

/// <summary>
/// Refuses an image request with 503 <c>queue_full</c> before its body is read when the image would wait
/// longer than allowed for the work queued ahead (<see cref="Core.Pipeline.FacePipeline.RetryAfterIfOverloaded"/>),
/// so that under overload a refusal costs neither the upload nor a decode. It answers without throwing:
/// in a flood of refused photos an exception's trip out through the middleware was about a fifth of each
/// refusal's CPU time (medians 0.32 and 0.26 ms a request, 2-core development VM, README "A refusal
/// without an exception"), and in a burst every refusal waits for a core behind the ones before it.
/// </summary>
/// <param name="endpoint">The endpoint's label in <see cref="ServiceMetrics.RequestDuration"/>, which times refusals too.</param>
/// <param name="needsImageStage">Whether the request's image goes through decoding and detection (false for an aligned crop).</param>
internal sealed class OverloadRefusalFilter(string endpoint, Func<HttpRequest, bool> needsImageStage) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        // Not ready: not_ready, as the endpoint itself would answer.
        var models = http.RequestServices.GetRequiredService<FaceEngine>().RequireReady();
        if (models.Pipeline.RetryAfterIfOverloaded(needsImageStage(http.Request)) is { } retryAfter)
        {
            using var timer = ServiceMetrics.TimeRequest(http, endpoint);
            await http.RequestServices.GetRequiredService<ProblemResponseWriter>().WriteAsync(http, new QueueFullException(retryAfter));
            return Results.Empty;
        }

        return await next(context);
    }
}
