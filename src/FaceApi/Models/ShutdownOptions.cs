using System.ComponentModel.DataAnnotations;

namespace FaceApi.Models;

/// <summary>Graceful-shutdown settings (configuration section <c>FaceApi:Shutdown</c>).</summary>
public sealed class ShutdownOptions
{
    /// <summary>
    /// After SIGTERM, how long readiness reports 503 while requests are still served, so a load
    /// balancer that polls readiness stops sending traffic before connections close. 0 for local
    /// runs; behind a load balancer, a little more than its health-check interval.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ReadinessDrainDelay { get; set; } = TimeSpan.Zero;
}
