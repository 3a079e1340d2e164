using FaceApi.Contracts;
using FaceApi.Core.Batching;
using FaceApi.Metrics;
using Microsoft.AspNetCore.Diagnostics;

namespace FaceApi.Errors;

/// <summary>
/// Answers every exception a request throws with its problem response (<see cref="ProblemResponseWriter"/>),
/// logs our own faults as errors, and answers nobody when the client went away.
/// </summary>
public sealed class ApiExceptionHandler : IExceptionHandler
{
    private readonly ProblemResponseWriter _writer;
    private readonly ILogger<ApiExceptionHandler> _logger;

    public ApiExceptionHandler(ProblemResponseWriter writer, ILogger<ApiExceptionHandler> logger)
    {
        _writer = writer;
        _logger = logger;
        // The series starts at 0, as every other reason's does, so that rate() sees the first one.
        ServiceMetrics.Rejections.WithLabels(RejectionReason.OutOfMemory);
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (ClientWentAway(httpContext, exception))
        {
            // Nobody is left to read an answer, and the fault is not ours: no error log, no 5xx. 499 is
            // nginx's "client closed request", so the request metrics show what happened.
            _logger.LogDebug("The client went away during the request ({Exception})", exception.GetType().Name);
            httpContext.Response.StatusCode = ClientClosedRequest;
            return true;
        }

        if (exception is OutOfMemoryException)
        {
            // Answered 503 like any refusal under load, but the operator must hear of it: start-up keeps the
            // body budget within half the heap, so what ran out is the memory no budget counts, and the
            // replica needs a higher memory limit or lower limits.
            ServiceMetrics.Rejections.WithLabels(RejectionReason.OutOfMemory).Inc();
            _logger.LogError(exception, "Out of memory serving a request: this replica's memory limit is too low for its load and limits (README, Memory)");
        }
        else if (ProblemResponseWriter.Classify(exception) is { Status: >= StatusCodes.Status500InternalServerError, Code: ProblemCode.InternalError })
        {
            _logger.LogError(exception, "Unhandled error");
        }

        return await _writer.WriteAsync(httpContext, exception);
    }

    /// <summary>nginx's status for a request whose client closed the connection before the answer.</summary>
    public const int ClientClosedRequest = 499;

    // A client that resets its connection or closes it mid-upload surfaces as a cancelled token, a
    // ConnectionResetException, or Kestrel's "unexpected end of request content" once the request is aborted.
    private static bool ClientWentAway(HttpContext httpContext, Exception exception) =>
        exception is Microsoft.AspNetCore.Connections.ConnectionResetException
        || (httpContext.RequestAborted.IsCancellationRequested && exception is OperationCanceledException or IOException or BadHttpRequestException);
}
