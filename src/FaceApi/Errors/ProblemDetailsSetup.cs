using FaceApi.Contracts;
using FaceApi.Hosting;
using Microsoft.AspNetCore.Http.Features;

namespace FaceApi.Errors;

/// <summary>Problem-details defaults shared by every error response.</summary>
public static class ProblemDetailsSetup
{
    /// <summary>The extension member that carries the stable machine-readable code.</summary>
    public const string CodeExtension = "code";

    /// <summary>
    /// Registers problem details so that every error, including the framework's own (404, 405,
    /// 415 from routing, status-code pages), carries a <c>code</c> and the request id.
    /// </summary>
    public static IServiceCollection AddFaceApiProblemDetails(this IServiceCollection services)
    {
        services.AddSingleton<ProblemResponseWriter>();
        services.AddExceptionHandler<ApiExceptionHandler>();
        // Runs every exception handler once at start-up on a discarded response: a handler added here
        // must count and log nothing for it (WarmUpRequests.IsWarmUp).
        services.AddHostedService<ErrorAnswerWarmUp>();
        return services.AddProblemDetails(options => options.CustomizeProblemDetails = Customize);
    }

    /// <summary>Writes a problem response for a client error found outside an exception.</summary>
    public static IResult Problem(int status, string code, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, extensions: new Dictionary<string, object?> { [CodeExtension] = code });

    private static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Extensions.TryAdd(CodeExtension, DefaultCode(problem.Status ?? context.HttpContext.Response.StatusCode));
        problem.Extensions["requestId"] = context.HttpContext.TraceIdentifier;
        problem.Instance ??= context.HttpContext.Request.Path;
        // Outcome counters live here, where every problem passes, rather than at each throw; the
        // start-up warm-ups' answers are no outcome.
        if (!WarmUpRequests.IsWarmUp(context.HttpContext))
        {
            CountOutcome((string)problem.Extensions[CodeExtension]!);
        }

        if (context.HttpContext.Features.Get<IHttpActivityFeature>()?.Activity is { } activity)
        {
            problem.Extensions["traceId"] = activity.TraceId.ToString();
        }
    }

    private static void CountOutcome(string code)
    {
        FaceApi.Metrics.ServiceMetrics.Errors.WithLabels(code).Inc();
        if (code == ProblemCode.NoFace)
        {
            FaceApi.Metrics.ServiceMetrics.RequestsWithoutFace.Inc();
        }
    }

    private static string DefaultCode(int status) => status switch
    {
        StatusCodes.Status400BadRequest => ProblemCode.InvalidRequest,
        StatusCodes.Status401Unauthorized => ProblemCode.Unauthorized,
        StatusCodes.Status404NotFound => ProblemCode.NotFound,
        StatusCodes.Status405MethodNotAllowed => ProblemCode.MethodNotAllowed,
        StatusCodes.Status413PayloadTooLarge => ProblemCode.PayloadTooLarge,
        StatusCodes.Status415UnsupportedMediaType => ProblemCode.UnsupportedMediaType,
        StatusCodes.Status429TooManyRequests => ProblemCode.RateLimited,
        StatusCodes.Status503ServiceUnavailable => ProblemCode.NotReady,
        _ => ProblemCode.InternalError,
    };
}
