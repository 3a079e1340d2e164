using Serilog;
using Serilog.Formatting.Compact;

namespace FaceApi.Logging;

public static class LoggingSetup
{
    /// <summary>
    /// Serilog to the console, levels from the <c>Serilog</c> section; <c>FaceApi:Logging:Json</c>
    /// switches to compact JSON for log collectors. Log events carry request ids, never bodies:
    /// images and embeddings are biometric data.
    /// </summary>
    public static IServiceCollection AddFaceApiLogging(this IServiceCollection services, IConfiguration configuration)
    {
        var json = configuration.GetValue<bool>("FaceApi:Logging:Json");
        return services.AddSerilog((provider, logger) =>
        {
            logger.ReadFrom.Configuration(configuration)
                .ReadFrom.Services(provider)
                .Enrich.FromLogContext();
            if (json)
            {
                logger.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
            else
            {
                logger.WriteTo.Console(outputTemplate: "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}");
            }
        });
    }
}
