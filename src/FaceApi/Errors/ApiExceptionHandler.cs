using FaceApi.Core.Batching;
using FaceApi.Core.Imaging;
using FaceApi.Core.Pipeline;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace FaceApi.Errors;

/// <summary>
/// The one place that turns exceptions into RFC 9457 problem details with a stable <c>code</c>.
/// Anything a client sent gets a 4xx; only our own faults become 500s.
/// </summary>
public sealed class ApiExceptionHandler(IProblemDetailsService problemDetails, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nobody is left to read an answer.
            return true;
        }

        var (status, code, detail) = Classify(exception);
        if (status >= StatusCodes.Status500InternalServerError && code == ProblemCode.InternalError)
        {
            logger.LogError(exception, "Unhandled error");
        }

        if (exception is QueueFullException full)
        {
            httpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(full.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        httpContext.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Detail = detail, Extensions = { [ProblemDetailsSetup.CodeExtension] = code } };
        if (exception is ApiProblemException { Side: { } side })
        {
            problem.Extensions["side"] = side;
        }

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = problem,
        });
    }

    internal static (int Status, string Code, string Detail) Classify(Exception exception) => exception switch
    {
        ApiProblemException problem => (problem.Status, problem.Code, problem.Message),
        ImageDecodingException image => (image.Code switch
        {
            ImageErrorCode.ImageTooLarge => StatusCodes.Status413PayloadTooLarge,
            ImageErrorCode.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
            _ => StatusCodes.Status400BadRequest,
        }, image.Code, image.Message),
        TooManyFacesException tooMany => (StatusCodes.Status422UnprocessableEntity, ProblemCode.TooManyFaces, tooMany.Message),
        QueueFullException full => (StatusCodes.Status503ServiceUnavailable, ProblemCode.QueueFull, full.Message),
        BatchTimeoutException timeout => (StatusCodes.Status503ServiceUnavailable, ProblemCode.Timeout, timeout.Message),
        BatcherClosedException closed => (StatusCodes.Status503ServiceUnavailable, ProblemCode.NotReady, closed.Message),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (StatusCodes.Status413PayloadTooLarge, ProblemCode.PayloadTooLarge, "The request body is larger than this service accepts."),
        BadHttpRequestException bad => (StatusCodes.Status400BadRequest, ProblemCode.InvalidRequest, bad.Message),
        InvalidDataException invalid => (StatusCodes.Status400BadRequest, ProblemCode.InvalidRequest, $"Malformed request body: {invalid.Message}"),
        System.Text.Json.JsonException => (StatusCodes.Status400BadRequest, ProblemCode.InvalidRequest, "The JSON body is malformed."),
        _ => (StatusCodes.Status500InternalServerError, ProblemCode.InternalError, "An unexpected error occurred."),
    };
}
