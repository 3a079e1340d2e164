using FaceApi.Contracts;
using FaceApi.Core.Batching;
using FaceApi.Core.Imaging;
using FaceApi.Core.Pipeline;
using Microsoft.AspNetCore.Mvc;

namespace FaceApi.Errors;

/// <summary>
/// The one place that turns an exception into its RFC 9457 problem response with a stable <c>code</c>:
/// status, Retry-After where the problem has one, body. Anything a client sent gets a 4xx; only our own
/// faults become 500s. The exception handler passes it what a request threw; code that finds a problem
/// without throwing (the refusal before an upload is read, <see cref="QueueFullResult"/>) passes the same
/// exception unthrown, so that both answers are the same.
/// </summary>
public sealed class ProblemResponseWriter(IProblemDetailsService problemDetails)
{
    /// <summary>Writes <paramref name="exception"/>'s problem response; false if no writer could.</summary>
    public async ValueTask<bool> WriteAsync(HttpContext httpContext, Exception exception)
    {
        var (status, code, detail) = Classify(exception);
        if (exception is QueueFullException full)
        {
            httpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(full.RetryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (code == ProblemCode.NotReady || exception is OutOfMemoryException)
        {
            // Readiness changes on a scale of seconds (models warm, a drain ends, a download retry comes due),
            // and memory comes back as the requests holding it are answered, about a second for a large photo.
            // Retry-After counts whole seconds (RFC 9110 §10.2.3): 1 s is the shortest honest answer. Without
            // it a client guesses its own backoff, which its deadline check cannot see in advance.
            httpContext.Response.Headers.RetryAfter = ShortRetryAfterSeconds;
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

    private const string ShortRetryAfterSeconds = "1";

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
        InvalidDataException invalid => (StatusCodes.Status400BadRequest, ProblemCode.InvalidRequest, $"Malformed request body: {WithoutEchoedData(invalid.Message)}."),
        System.Text.Json.JsonException => (StatusCodes.Status400BadRequest, ProblemCode.InvalidRequest, "The JSON body is malformed."),
        // The process reached its memory limit (a container's, or DOTNET_GCHeapHardLimit) while serving
        // the request: the service is at capacity, not broken, and the memory comes back as the requests
        // in progress are answered, so the client may retry as after any refusal under load.
        OutOfMemoryException => (StatusCodes.Status503ServiceUnavailable, ProblemCode.QueueFull, "The service is short of memory for this request now; retry shortly."),
        _ => (StatusCodes.Status500InternalServerError, ProblemCode.InternalError, "An unexpected error occurred."),
    };

    // The multipart reader quotes the client's bytes after a colon ("Invalid header line: <the line>", up
    // to 16 KB of what may be base64 image data or an embedding); images and embeddings are biometric
    // data, which no answer repeats (an attacking session found them echoed). Its own words come first.
    private static string WithoutEchoedData(string message) => message.Split(':', 2)[0].TrimEnd('.');
}
