using System.Text.Json.Nodes;
using FaceApi.Uploads;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace FaceApi.OpenApi;

/// <summary>
/// Describes the request bodies of an upload endpoint: <c>multipart/form-data</c>, whose binary
/// fields Swagger UI shows as file pickers, <c>application/json</c> with base64 strings, and, where
/// the endpoint takes one image, that image as the whole body (a binary string, which Swagger UI
/// also sends from a file picker).
/// </summary>
public sealed class UploadBodyOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var upload = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<UploadBodyMetadata>().FirstOrDefault();
        if (upload is null)
        {
            return;
        }

        var multipart = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>() };
        var json = new OpenApiSchema { Type = JsonSchemaType.Object, Properties = new Dictionary<string, IOpenApiSchema>() };
        foreach (var field in upload.ImageFields)
        {
            multipart.Properties[field] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "Image file (JPEG, PNG, WebP, BMP, GIF, TIFF)." };
            json.Properties[field] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "byte", Description = "Image bytes, base64 (a data: URL is accepted)." };
        }

        foreach (var field in upload.EmbeddingFields)
        {
            const string description = "A stored embedding instead of an image: a JSON array of numbers.";
            multipart.Properties[field] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = description + " Sent as text, e.g. [0.01, -0.2, ...].",
                // Without an example Swagger UI pre-fills "string", which it then sends, so trying
                // /verify with two images there would fail as an invalid embedding. An empty field is not sent.
                Examples = [JsonValue.Create(string.Empty)],
            };
            json.Properties[field] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = new OpenApiSchema { Type = JsonSchemaType.Number, Format = "float" },
                Description = description,
            };
        }

        if (upload.EmbeddingFields.Count == 0)
        {
            multipart.Required = new HashSet<string>(upload.ImageFields);
            json.Required = new HashSet<string>(upload.ImageFields);
        }

        var content = new Dictionary<string, IOpenApiMediaType>
        {
            ["multipart/form-data"] = new OpenApiMediaType { Schema = multipart },
            ["application/json"] = new OpenApiMediaType { Schema = json },
        };
        if (upload.AcceptsRawImage)
        {
            foreach (var mediaType in UploadReader.RawImageTypes)
            {
                content[mediaType] = new OpenApiMediaType
                {
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The image file itself as the body." },
                };
            }
        }

        operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
    }
}
