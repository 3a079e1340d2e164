using System.Text.Json.Nodes;
using FaceApi.Contracts;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace FaceApi.OpenApi;

/// <summary>
/// Puts an example on the JSON request body and on every answer of /embed and /verify, so the
/// document shows what goes over the wire and generated clients carry it in their docs. Runs after
/// <see cref="UploadBodyOperationFilter"/>, which writes the request bodies.
/// </summary>
public sealed class ExamplesOperationFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var (request, answer, path) = operation.OperationId switch
        {
            "Embed" => (OpenApiExamples.EmbedRequest, OpenApiExamples.EmbedResponse, "/embed"),
            "Verify" => (OpenApiExamples.VerifyRequest, OpenApiExamples.VerifyResponse, "/verify"),
            _ => default,
        };
        if (request is null || answer is null || path is null)
        {
            return;
        }

        if (operation.RequestBody?.Content?.TryGetValue("application/json", out var json) == true && json is OpenApiMediaType jsonBody)
        {
            jsonBody.Example = request;
        }

        foreach (var (status, response) in operation.Responses ?? [])
        {
            foreach (var (_, media) in response.Content ?? new Dictionary<string, IOpenApiMediaType>())
            {
                if (media is OpenApiMediaType content)
                {
                    content.Example = status == "200" ? answer.DeepClone() : ProblemExample(status, path);
                }
            }
        }
    }

    private static JsonNode? ProblemExample(string status, string path) => status switch
    {
        "400" => OpenApiExamples.Problem(400, ProblemCode.InvalidImage, "The image could not be decoded: it is corrupt or not an image.", path),
        "401" => OpenApiExamples.Problem(401, ProblemCode.Unauthorized, "Send an API key in the X-API-Key header.", path),
        "408" => OpenApiExamples.Problem(408, ProblemCode.RequestTimeout, "The request body arrived too slowly.", path),
        "413" => OpenApiExamples.Problem(413, ProblemCode.ImageTooLarge, "'image' is larger than the 20 MiB this service accepts per image.", path),
        "415" => OpenApiExamples.Problem(415, ProblemCode.UnsupportedFormat, "HEIF/HEIC images are not supported; send JPEG, PNG, WebP, BMP, GIF or TIFF.", path),
        "422" => OpenApiExamples.Problem(422, ProblemCode.NoFace, "No face was found in the image.", path),
        "503" => OpenApiExamples.Problem(503, ProblemCode.QueueFull, "The service is at capacity; retry after the Retry-After header.", path),
        _ => null,
    };
}
