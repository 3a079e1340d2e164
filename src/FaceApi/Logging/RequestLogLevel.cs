using FaceApi.Hosting;
using Serilog.Events;

namespace FaceApi.Logging;

/// <summary>
/// The level of Serilog's one-line-per-request summary. Serilog's default logs every 5xx as an
/// error; here a 503 is the service working as designed (not ready yet, queue full, draining), so
/// it is a warning, and successful health probes, which load balancers send every few seconds,
/// are debug. The service's own start-up warm-up requests are verbose: not traffic, not written at the
/// default levels.
/// </summary>
public static class RequestLogLevel
{
    public static LogEventLevel For(HttpContext context, Exception? exception)
    {
        if (WarmUpRequests.IsWarmUp(context))
        {
            return LogEventLevel.Verbose;
        }

        var status = context.Response.StatusCode;
        if (exception is not null || (status >= StatusCodes.Status500InternalServerError && status != StatusCodes.Status503ServiceUnavailable))
        {
            return LogEventLevel.Error;
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            return LogEventLevel.Warning;
        }

        return context.Request.Path.StartsWithSegments("/health") && status < StatusCodes.Status400BadRequest
            ? LogEventLevel.Debug
            : LogEventLevel.Information;
    }
}
