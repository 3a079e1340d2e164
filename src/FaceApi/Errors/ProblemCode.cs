namespace FaceApi.Errors;

/// <summary>
/// The stable, machine-readable <c>code</c> of every problem response. Clients branch on these, so
/// they never change once published.
/// </summary>
public static class ProblemCode
{
    public const string InvalidRequest = "invalid_request";
    public const string ImageTooLarge = "image_too_large";
    public const string PayloadTooLarge = "payload_too_large";
    public const string RequestTimeout = "request_timeout";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string NoFace = "no_face";
    public const string TooManyFaces = "too_many_faces";
    public const string QueueFull = "queue_full";
    public const string Timeout = "timeout";
    public const string NotReady = "not_ready";
    public const string Unauthorized = "unauthorized";
    public const string RateLimited = "rate_limited";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string InternalError = "internal_error";
}
