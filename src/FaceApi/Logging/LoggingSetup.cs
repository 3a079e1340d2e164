using Serilog;
using Serilog.Formatting.Compact;

namespace FaceApi.Logging;

public static class LoggingSetup
{
    /// <summary>
    /// Serilog to the console, levels from the <c>Serilog</c> section; <c>FaceApi:Logging:Json</c>
    /// switches to compact JSON for log collectors. Log events carry the request id and the W3C
    /// trace id (from an incoming <c>traceparent</c>, or new), never bodies: images and embeddings
    /// are biometric data.
    /// </summary>
    public static IServiceCollection AddFaceApiLogging(this IServiceCollection services, IConfiguration configuration)
    {
        var json = configuration.GetValue<bool>("FaceApi:Logging:Json");
        services.AddHttpContextAccessor();
        return services.AddSerilog((provider, logger) =>
        {
            logger.ReadFrom.Configuration(configuration)
                .ReadFrom.Services(provider)
                .Enrich.FromLogContext()
                .Enrich.With(new RequestIdEnricher(provider.GetRequiredService<IHttpContextAccessor>()))
                .Enrich.With<ControlCharacterEscaper>();
            // Formatting and writing happen on the sink's own thread; a request thread only queues
            // the event. blockWhenFull keeps every line (the default drops lines beyond 10,000
            // queued); the host disposes the logger at shutdown, which writes what is queued.
            logger.WriteTo.Async(
                sink =>
                {
                    if (json)
                    {
                        // Writes the trace and span ids as @tr and @sp.
                        sink.Console(new RenderedCompactJsonFormatter());
                    }
                    else
                    {
                        sink.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j} {TraceId}{NewLine}{Exception}");
                    }
                },
                blockWhenFull: true);
        });
    }
}
