using System.ComponentModel.DataAnnotations;

namespace FaceApi.RateLimiting;

/// <summary>
/// Per-client request limits on <c>/embed</c> and <c>/verify</c> (configuration section
/// <c>FaceApi:RateLimiting</c>): at most <see cref="PermitLimit"/> requests per <see cref="Window"/>
/// for each API key, or each client address when no keys are configured.
/// </summary>
/// <remarks>
/// Off by default: behind a reverse proxy every client shares the proxy's address, so a per-address
/// limit only makes sense with API keys or where clients connect directly.
/// </remarks>
public sealed class RateLimitingOptions
{
    public bool Enabled { get; set; }

    /// <summary>Requests each client may make per window. Default 20 per second: a few times what one CPU replica serves.</summary>
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 20;

    /// <summary>The fixed window the permits are counted in.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Requests past the limit that wait for the next window instead of being refused. Default 0:
    /// a client over its limit hears so at once (429 with Retry-After) rather than holding a connection.
    /// </summary>
    [Range(0, 10_000)]
    public int QueueLimit { get; set; }
}
