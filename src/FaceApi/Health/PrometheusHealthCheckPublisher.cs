using Microsoft.Extensions.Diagnostics.HealthChecks;
using Prometheus;

namespace FaceApi.Health;

/// <summary>
/// Publishes every health check's latest status as <c>aspnetcore_healthcheck_status{name}</c>: 1 healthy,
/// 0.5 degraded, 0 unhealthy. The name, label and values are those of prometheus-net's
/// <c>prometheus-net.AspNetCore.HealthChecks</c> (<c>ForwardToPrometheus</c>), which the package registry
/// used here does not serve, so dashboards written for it read these unchanged.
/// </summary>
internal sealed class PrometheusHealthCheckPublisher : IHealthCheckPublisher
{
    private static readonly Gauge Status = Prometheus.Metrics.CreateGauge(
        "aspnetcore_healthcheck_status",
        "ASP.NET Core health check status (0 == Unhealthy, 0.5 == Degraded, 1 == Healthy)",
        new GaugeConfiguration { LabelNames = ["name"] });

    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        foreach (var (name, entry) in report.Entries)
        {
            Status.WithLabels(name).Set(entry.Status switch
            {
                HealthStatus.Healthy => 1,
                HealthStatus.Degraded => 0.5,
                _ => 0,
            });
        }

        return Task.CompletedTask;
    }
}
