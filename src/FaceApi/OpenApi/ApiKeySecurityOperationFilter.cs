using FaceApi.Auth;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace FaceApi.OpenApi;

/// <summary>
/// Marks the operations that need an <c>X-API-Key</c> when keys are configured, so Swagger UI offers
/// its Authorize button and sends the key; open paths (health) stay unmarked.
/// </summary>
public sealed class ApiKeySecurityOperationFilter(IOptions<ApiKeyOptions> options) : IOperationFilter
{
    public const string SchemeName = "ApiKey";

    public static OpenApiSecurityScheme Scheme { get; } = new()
    {
        Type = SecuritySchemeType.ApiKey,
        In = ParameterLocation.Header,
        Name = ApiKeyOptions.HeaderName,
        Description = "Needed on /embed and /verify when the service has API keys configured (FaceApi:Auth:ApiKeys).",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (options.Value.ApiKeys.Count == 0 || options.Value.IsOpen("/" + context.ApiDescription.RelativePath))
        {
            return;
        }

        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] });
        operation.Responses ??= [];
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Missing or invalid API key (problem code unauthorized)." });
    }
}
