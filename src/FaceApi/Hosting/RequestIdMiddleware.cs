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

    public static IApplicationBuilder UseRequestId(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.TraceIdentifier = For(context);
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = context.TraceIdentifier;
            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>
    /// The id of <paramref name="context"/>'s request: the caller's <c>X-Request-Id</c> when it is
    /// safe to log and echo, else the server's own. Also right before this middleware has run, which
    /// the log enricher needs for the lines ASP.NET Core writes as a request starts.
    /// </summary>
    public static string For(HttpContext context)
    {
        var incoming = context.Request.Headers[HeaderName].ToString();
        return SafeId().IsMatch(incoming) ? incoming : context.TraceIdentifier;
    }

    // Letters, digits and a few separators, at most 64: safe to log and echo back.
    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$")]
    private static partial Regex SafeId();
}
