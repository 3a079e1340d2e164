using System.ComponentModel.DataAnnotations;

namespace FaceApi.Client;

/// <summary>Where FaceApi is and how patiently to call it; set through <see cref="FaceApiClientServiceCollectionExtensions.AddFaceApiClient"/>.</summary>
public sealed class FaceApiClientOptions
{
    /// <summary>The service's base address, e.g. <c>http://faceapi:8080</c>.</summary>
    [Required]
    public Uri? BaseAddress { get; set; }

    /// <summary>Sent as the <c>X-API-Key</c> header when set; needed when the service has API keys configured.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// How many times an overload answer (503 <c>queue_full</c> or <c>not_ready</c>, 429) or a failed
    /// connection is tried again before the caller sees it. Default 4: five attempts in all.
    /// </summary>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>
    /// The wait before the first retry when the answer gives no <c>Retry-After</c>; it doubles (with
    /// jitter) for each further retry. A <c>Retry-After</c> from the service is honoured instead.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// The whole call, every attempt and wait included. A retry whose wait would end past this budget is
    /// not made: the caller gets the service's answer (a <see cref="FaceApiException"/> with its
    /// <see cref="FaceApiException.RetryAfter"/>) instead of a timeout.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
