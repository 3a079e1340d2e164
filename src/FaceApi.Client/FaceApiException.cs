using System.Net;

namespace FaceApi.Client;

/// <summary>
/// An error answer from FaceApi: an RFC 9457 problem with its stable <see cref="Code"/> (one of
/// <see cref="Contracts.ProblemCode"/>), or any other non-success answer (a proxy's 502, say), then
/// with a null <see cref="Code"/>.
/// </summary>
public sealed class FaceApiException : Exception
{
    /// <summary>Creates the exception for one error answer.</summary>
    /// <param name="status">The HTTP status of the answer.</param>
    /// <param name="code">The problem's <c>code</c>; null when the answer was not a FaceApi problem.</param>
    /// <param name="detail">The problem's <c>detail</c>, or a description of the answer.</param>
    /// <param name="retryAfter">The answer's <c>Retry-After</c>, if any.</param>
    /// <param name="traceId">The problem's <c>traceId</c> (W3C trace id), if any.</param>
    /// <param name="requestId">The problem's <c>requestId</c> (also in the <c>X-Request-Id</c> header), if any.</param>
    /// <param name="side">For /verify, the side (<c>image1</c> or <c>image2</c>) the problem is about, if any.</param>
    public FaceApiException(HttpStatusCode status, string? code, string detail, TimeSpan? retryAfter = null, string? traceId = null, string? requestId = null, string? side = null)
        : base(code is null ? $"FaceApi answered {(int)status}: {detail}" : $"FaceApi answered {(int)status} {code}: {detail}")
    {
        Status = status;
        Code = code;
        Detail = detail;
        RetryAfter = retryAfter;
        TraceId = traceId;
        RequestId = requestId;
        Side = side;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode Status { get; }

    /// <summary>The stable machine-readable problem code (see <see cref="Contracts.ProblemCode"/>); null when the answer was not a FaceApi problem.</summary>
    public string? Code { get; }

    /// <summary>What went wrong, in the service's words.</summary>
    public string Detail { get; }

    /// <summary>How long the service asked callers to wait before trying again (503 <c>queue_full</c>, 429), if it said.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The W3C trace id of the failed request, for finding it in the service's traces.</summary>
    public string? TraceId { get; }

    /// <summary>The request id of the failed request, for finding it in the service's logs.</summary>
    public string? RequestId { get; }

    /// <summary>For /verify, which side the problem is about (<c>image1</c> or <c>image2</c>), e.g. for <c>no_face</c>.</summary>
    public string? Side { get; }
}
