namespace FaceApi.Contracts;

/// <summary>The values of <see cref="ReadinessResponse.Status"/>.</summary>
public static class ReadinessStatus
{
    /// <summary>Models are being provisioned, loaded or warmed; a failed download is retried.</summary>
    public const string Loading = "loading";

    /// <summary>Requests are served.</summary>
    public const string Ready = "ready";

    /// <summary>The models cannot be loaded without an operator's help; the reason says why.</summary>
    public const string Failed = "failed";

    /// <summary>The service is shutting down.</summary>
    public const string Stopping = "stopping";
}
