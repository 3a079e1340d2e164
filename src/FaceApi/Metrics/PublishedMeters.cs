using System.Diagnostics.Metrics;

namespace FaceApi.Metrics;

/// <summary>
/// Which of .NET's own meters prometheus-net's meter adapter publishes at <c>/metrics</c>: the runtime's
/// (GC, heap, thread pool, JIT, CPU), Kestrel's (connections, including queued and rejected ones) and
/// ASP.NET Core's exception counter. By default the adapter publishes every meter in the process.
/// </summary>
/// <remarks>
/// Left out on purpose: ASP.NET Core's per-request meters (hosting's <c>http.server.*</c>, routing and
/// rate limiting). The first two repeat what prometheus-net's own
/// <c>http_request_duration_seconds</c> and <c>http_requests_received_total</c> already publish, and
/// each measurement of an enabled instrument runs on the request thread through the adapter's lock
/// and label conversion: 1.3 % of the service's CPU under load in the issue-11 profile, before
/// counting hosting's own tag work, which is skipped when nothing listens.
/// </remarks>
public static class PublishedMeters
{
    private static readonly HashSet<string> Published =
    [
        // System.Runtime: the runtime's built-in meter since .NET 9 (system_runtime_dotnet_*).
        "System.Runtime",
        "Microsoft.AspNetCore.Server.Kestrel",
        "Microsoft.AspNetCore.Diagnostics",
    ];

    /// <summary>Whether <paramref name="instrument"/> is published.</summary>
    public static bool Includes(Instrument instrument) => Published.Contains(instrument.Meter.Name);

    /// <summary>
    /// Applies the selection. The adapter starts at the first scrape, so this must run before
    /// <c>/metrics</c> is first served; it sets a process-wide callback, so calling it again is harmless.
    /// </summary>
    public static void Apply() => Prometheus.Metrics.ConfigureMeterAdapter(options => options.InstrumentFilterPredicate = Includes);
}
