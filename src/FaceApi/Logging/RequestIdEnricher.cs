using FaceApi.Hosting;
using Serilog.Core;
using Serilog.Events;

namespace FaceApi.Logging;

/// <summary>
/// Puts the request id on every log event written while a request is handled. ASP.NET Core's own
/// log scope also carries a <c>RequestId</c>, but it captures the server's id before
/// <see cref="RequestIdMiddleware"/> adopts the caller's <c>X-Request-Id</c>; this one replaces it,
/// so a request's lines, its response header and its problem details all show the same id.
/// </summary>
public sealed class RequestIdEnricher(IHttpContextAccessor httpContextAccessor) : ILogEventEnricher
{
    public const string PropertyName = "RequestId";

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (httpContextAccessor.HttpContext is { } context)
        {
            logEvent.AddOrUpdateProperty(propertyFactory.CreateProperty(PropertyName, RequestIdMiddleware.For(context)));
        }
    }
}
