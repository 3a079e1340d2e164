using FaceApi.Contracts;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace FaceApi.Health;

/// <summary>
/// Liveness and readiness for load balancers and Kubernetes, on ASP.NET Core's health checks so that
/// operators' usual tooling (health-check publishers, Prometheus) reads them too. Liveness only says
/// the process answers (restarting cannot fix a missing model); readiness says requests can be served now.
/// </summary>
public static class HealthEndpoints
{
    private const string ReadinessTag = "ready";

    private static readonly TimeSpan PublishPeriod = TimeSpan.FromSeconds(5);

    // MapHealthChecks answers every method; the probes answer GET only, as before, so made-up methods get 405.
    private static readonly HttpMethodMetadata GetOnly = new([HttpMethods.Get]);

    /// <summary>The models check, tagged for readiness, also published to Prometheus as <c>aspnetcore_healthcheck_status</c>.</summary>
    public static IServiceCollection AddFaceApiHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<ModelsHealthCheck>(ModelsHealthCheck.Name, tags: [ReadinessTag]);
        services.AddSingleton<IHealthCheckPublisher, PrometheusHealthCheckPublisher>();
        // The framework's default is a first run after 5 s, then every 30 s; a Prometheus scrape every
        // 15 s (deploy/prometheus/prometheus.yml) should not read a readiness half a minute old.
        services.Configure<HealthCheckPublisherOptions>(options => options.Period = PublishPeriod);
        return services;
    }

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions
        {
            // No check runs: answering at all is the proof of life.
            Predicate = _ => false,
            ResponseWriter = (context, _) => context.Response.WriteAsJsonAsync(new LivenessResponse("alive"), context.RequestAborted),
        }).WithDisplayName("Live").WithMetadata(GetOnly);

        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadinessTag),
            ResponseWriter = WriteReadinessAsync,
        }).WithDisplayName("Ready").WithMetadata(GetOnly);
        return app;
    }

    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        var readiness = (ReadinessResponse)report.Entries[ModelsHealthCheck.Name].Data[ModelsHealthCheck.ReadinessKey];
        return context.Response.WriteAsJsonAsync(readiness, context.RequestAborted);
    }
}
