using FaceApi.Contracts;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace FaceApi.OpenApi;

/// <summary>
/// Describes <c>GET /health/live</c> and <c>GET /health/ready</c>. They are ASP.NET Core health-check
/// endpoints, which API Explorer does not list, yet their answers are part of the contract (load
/// balancers and generated clients read them), so they are written into the document here.
/// </summary>
public sealed class HealthDocumentFilter : IDocumentFilter
{
    public const string Tag = "Health";

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        var liveness = context.SchemaGenerator.GenerateSchema(typeof(LivenessResponse), context.SchemaRepository);
        var readiness = context.SchemaGenerator.GenerateSchema(typeof(ReadinessResponse), context.SchemaRepository);
        swaggerDoc.Tags ??= new HashSet<OpenApiTag>();
        swaggerDoc.Tags.Add(new OpenApiTag { Name = Tag, Description = "Probes for load balancers and orchestrators; no API key needed." });

        swaggerDoc.Paths.Add("/health/live", Get(swaggerDoc, "Live", "The process is up.", new OpenApiResponses
        {
            ["200"] = Answer("The process answers.", liveness, OpenApiExamples.Liveness),
        }));
        swaggerDoc.Paths.Add("/health/ready", Get(swaggerDoc, "Ready", "Models are loaded and warmed; names them and the execution provider in use.", new OpenApiResponses
        {
            ["200"] = Answer("Ready: requests are served.", readiness, OpenApiExamples.Ready),
            ["503"] = Answer("Not ready: loading (a failed download is retried; see nextAttemptAt), failed, or stopping.", readiness, OpenApiExamples.Loading),
        }));
    }

    private static OpenApiPathItem Get(OpenApiDocument document, string operationId, string summary, OpenApiResponses responses)
    {
        var path = new OpenApiPathItem();
        path.AddOperation(HttpMethod.Get, new OpenApiOperation
        {
            OperationId = operationId,
            Summary = summary,
            Tags = new HashSet<OpenApiTagReference> { new(Tag, document) },
            Responses = responses,
        });
        return path;
    }

    private static OpenApiResponse Answer(string description, IOpenApiSchema schema, System.Text.Json.Nodes.JsonNode example) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType>
        {
            ["application/json"] = new OpenApiMediaType { Schema = schema, Example = example },
        },
    };
}
