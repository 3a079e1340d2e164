using System.Text.RegularExpressions;

namespace FaceApi.Hosting;

/// <summary>
/// Gives every request an id that appears in its log lines, its problem details and the
/// <c>X-Request-Id</c> response header. A caller's own id is kept when it is short and plain, so
/// a request can be followed through a load balancer.
/// </summary>
public static partial class RequestIdMiddleware
{
    public const string HeaderName = "X-Request-Id";

    public static IApplicationBuilder UseRequestId(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var incoming = context.Request.Headers[HeaderName].ToString();
        if (SafeId().IsMatch(incoming))
        {
            context.TraceIdentifier = incoming;
        }

        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = context.TraceIdentifier;
            return Task.CompletedTask;
        });
        using (Serilog.Context.LogContext.PushProperty("RequestId", context.TraceIdentifier))
        {
            await next(context);
        }
    });

    // Letters, digits and a few separators, at most 64: safe to log and echo back.
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex SafeId();
}
