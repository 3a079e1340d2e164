using FaceApi.Contracts;
using Microsoft.AspNetCore.Diagnostics;

namespace FaceApi.Errors;

/// <summary>
/// Answers every exception a request throws with its problem response (<see cref="ProblemResponseWriter"/>),
/// logs our own faults as errors, and answers nobody when the client went away.
/// </summary>
public sealed class ApiExceptionHandler(ProblemResponseWriter writer, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
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

        if (ProblemResponseWriter.Classify(exception) is { Status: >= StatusCodes.Status500InternalServerError, Code: ProblemCode.InternalError })
        {
            logger.LogError(exception, "Unhandled error");
        }

        return await writer.WriteAsync(httpContext, exception);
    }

    /// <summary>nginx's status for a request whose client closed the connection before the answer.</summary>
    public const int ClientClosedRequest = 499;

    // A client that resets its connection or closes it mid-upload surfaces as a cancelled token, a
    // ConnectionResetException, or Kestrel's "unexpected end of request content" once the request is aborted.
    private static bool ClientWentAway(HttpContext httpContext, Exception exception) =>
        exception is Microsoft.AspNetCore.Connections.ConnectionResetException
        || (httpContext.RequestAborted.IsCancellationRequested && exception is OperationCanceledException or IOException or BadHttpRequestException);
}
