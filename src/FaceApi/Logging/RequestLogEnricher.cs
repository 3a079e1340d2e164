using Serilog;

namespace FaceApi.Logging;

/// <summary>Adds the request id to Serilog's one-line-per-request summary.</summary>
public static class RequestLogEnricher
{
    public static void Enrich(IDiagnosticContext diagnostics, HttpContext context) =>
        diagnostics.Set("RequestId", context.TraceIdentifier);
}
