namespace FaceApi.Contracts;

/// <summary>
/// The stable, machine-readable <c>code</c> of every problem response (RFC 9457 problem details with a
/// <c>code</c> extension). Clients branch on these, so they never change once published.
/// </summary>
public static class ProblemCode
{
    /// <summary>400: the request is malformed (missing field, bad query value, bad JSON, bad embedding).</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>400: the bytes are not an image, or the image is corrupt or truncated.</summary>
    public const string InvalidImage = "invalid_image";

    /// <summary>415: a recognised image format this service does not decode, such as HEIC.</summary>
    public const string UnsupportedFormat = "unsupported_format";

    /// <summary>413: one image exceeds the encoded size, dimension or pixel limits.</summary>
    public const string ImageTooLarge = "image_too_large";

    /// <summary>413: a JPEG carries more metadata (EXIF, XMP, ICC, comments) than the service reads; strip it and retry.</summary>
    public const string MetadataTooLarge = "metadata_too_large";

    /// <summary>413: the whole request body exceeds the server's limit.</summary>
    public const string PayloadTooLarge = "payload_too_large";

    /// <summary>408: the request body arrived too slowly (the service's body-read deadline passed).</summary>
    public const string RequestTimeout = "request_timeout";

    /// <summary>415: the body is neither multipart/form-data nor JSON (nor a raw image where accepted).</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    /// <summary>422: no face was found in an image; <c>side</c> names which one in /verify.</summary>
    public const string NoFace = "no_face";

    /// <summary>422: an image holds more faces than the service can ever queue at once.</summary>
    public const string TooManyFaces = "too_many_faces";

    /// <summary>503: the service is at capacity; retry after the <c>Retry-After</c> header.</summary>
    public const string QueueFull = "queue_full";

    /// <summary>503: the request waited too long for the model.</summary>
    public const string Timeout = "timeout";

    /// <summary>503: the models are not loaded yet, failed to load, or the service is shutting down.</summary>
    public const string NotReady = "not_ready";

    /// <summary>401: the API key is missing or not valid.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>429: this client sent too many requests; retry after the <c>Retry-After</c> header.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>404: no such path.</summary>
    public const string NotFound = "not_found";

    /// <summary>405: the path does not take this HTTP method.</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>500: a fault of the service itself.</summary>
    public const string InternalError = "internal_error";
}
