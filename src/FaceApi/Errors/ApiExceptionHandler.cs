using FaceApi.Contracts;
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
        if (ClientWentAway(httpContext, exception))
        {
            // Nobody is left to read an answer, and the fault is not ours: no error log, no 5xx. 499 is
            // nginx's "client closed request", so the request metrics show what happened.
            logger.LogDebug("The client went away during the request ({Exception})", exception.GetType().Name);
            httpContext.Response.StatusCode = ClientClosedRequest;
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
        else if (code == ProblemCode.NotReady)
        {
            // Readiness changes on a scale of seconds (models warm, a drain ends, a download retry comes due),
            // and Retry-After counts whole seconds (RFC 9110 §10.2.3): 1 s is the shortest honest answer. Without
            // it a client guesses its own backoff, which its deadline check cannot see in advance.
            httpContext.Response.Headers.RetryAfter = NotReadyRetryAfterSeconds;
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

    private const string NotReadyRetryAfterSeconds = "1";

    /// <summary>nginx's status for a request whose client closed the connection before the answer.</summary>
    public const int ClientClosedRequest = 499;

    // A client that resets its connection or closes it mid-upload surfaces as a cancelled token, a
    // ConnectionResetException, or Kestrel's "unexpected end of request content" once the request is aborted.
    private static bool ClientWentAway(HttpContext httpContext, Exception exception) =>
        exception is Microsoft.AspNetCore.Connections.ConnectionResetException
        || (httpContext.RequestAborted.IsCancellationRequested && exception is OperationCanceledException or IOException or BadHttpRequestException);

    internal static (int Status, string Code, string Detail) Classify(Exception exception) => exception switch
    {
        ApiProblemException problem => (problem.Status, problem.Code, problem.Message),
        ImageDecodingException image => (image.Code switch
        {
            ImageErrorCode.ImageTooLarge or ImageErrorCode.MetadataTooLarge => StatusCodes.Status413PayloadTooLarge,
            ImageErrorCode.UnsupportedFormat => StatusCodes.Status415UnsupportedMediaType,
            _ => StatusCodes.Status400BadRequest,
        }, image.Code, image.Message),
        TooManyFacesException tooMany => (StatusCodes.Status422UnprocessableEntity, ProblemCode.TooManyFaces, tooMany.Message),
        QueueFullException full => (StatusCodes.Status503ServiceUnavailable, ProblemCode.QueueFull, full.Message),
        BatchTimeoutException timeout => (StatusCodes.Status503ServiceUnavailable, ProblemCode.Timeout, timeout.Message),
        BatcherClosedException closed => (StatusCodes.Status503ServiceUnavailable, ProblemCode.NotReady, closed.Message),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            (StatusCodes.Status413PayloadTooLarge, ProblemCode.PayloadTooLarge, "The request body is larger than this service accepts."),
        // Kestrel's minimum body data rate (240 bytes/s after a 5 s grace) ran out.
        BadHttpRequestException { StatusCode: StatusCodes.Status408RequestTimeout } =>
            (StatusCodes.Status408RequestTimeout, ProblemCode.RequestTimeout, "The request body arrived too slowly."),
        BadHttpRequestException bad => (StatusCodes.Status400BadRequest, ProblemCode.InvalidRequest, bad.Message),
        InvalidDataException invalid => (StatusCodes.Status400BadRequest, ProblemCode.InvalidRequest, $"Malformed request body: {invalid.Message}"),
        System.Text.Json.JsonException => (StatusCodes.Status400BadRequest, ProblemCode.InvalidRequest, "The JSON body is malformed."),
        _ => (StatusCodes.Status500InternalServerError, ProblemCode.InternalError, "An unexpected error occurred."),
    };
}
