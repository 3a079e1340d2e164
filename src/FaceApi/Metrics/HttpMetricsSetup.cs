using Microsoft.AspNetCore.Diagnostics;
using Prometheus;

namespace FaceApi.Metrics;

public static class HttpMetricsSetup
{
    /// <summary>
    /// prometheus-net's <c>http_requests_received_total</c> and <c>http_request_duration_seconds</c>,
    /// labelled by status code, method (one of <see cref="HttpMethodLabel"/>'s few values) and route
    /// template (<c>endpoint</c>; empty for paths no route matches, so unknown paths add no series).
    /// Call it before <c>UseExceptionHandler</c>: inside the handler, a request that throws would be
    /// counted with the status it had when the exception passed (200) instead of the 4xx/5xx the
    /// handler writes.
    /// </summary>
    public static IApplicationBuilder UseFaceApiHttpMetrics(this IApplicationBuilder app)
    {
        // prometheus-net 8.2 labels with Request.Method as sent and offers no mapping for that label
        // (a custom label may not reuse the reserved name "method"), so the request carries the bounded
        // label while the metrics middleware and routing see it. A made-up method still gets routing's
        // 405 or 404, as before; outer middleware (the request log) sees the method as sent again.
        app.Use(async (context, next) =>
        {
            var sent = context.Request.Method;
            context.Request.Method = HttpMethodLabel.For(sent);
            try
            {
                await next(context);
            }
            finally
            {
                context.Request.Method = sent;
            }
        });
        app.UseHttpMetrics();

        // The exception handler clears the endpoint before it writes the problem response; put the
        // matched one back so that failed requests keep their route template in the endpoint label.
        return app.Use(async (context, next) =>
        {
            await next(context);
            if (context.GetEndpoint() is null && context.Features.Get<IExceptionHandlerFeature>()?.Endpoint is { } endpoint)
            {
                context.SetEndpoint(endpoint);
            }
        });
    }
}
