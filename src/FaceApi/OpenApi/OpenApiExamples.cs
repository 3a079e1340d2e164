using System.Text.Json;
using System.Text.Json.Nodes;
using FaceApi.Contracts;
using FaceApi.Endpoints;
using Microsoft.AspNetCore.WebUtilities;

namespace FaceApi.OpenApi;

/// <summary>
/// Example bodies for the OpenAPI document, built from the contract records themselves (answers) or the
/// field names the handlers read (requests), so an example never names a field the service does not know. Values are plausible, not measured: boxes and
/// landmarks of a 640x480 portrait; embeddings shortened to four values (the model's are 512).
/// </summary>
public static class OpenApiExamples
{
    private static readonly float[] ShortEmbedding = [0.0213f, -0.0478f, 0.0131f, 0.0552f];

    private static readonly FaceBox Box = new(212.4f, 96.1f, 180.2f, 231.7f);

    // Left eye, right eye, nose tip, left and right mouth corners.
    private static readonly Point[] Landmarks = [new(262.3f, 187.5f), new(340.8f, 185.9f), new(302.1f, 232.4f), new(270.6f, 277.0f), new(334.2f, 275.8f)];

    // The first bytes of a JPEG file in base64, cut short.
    private const string Base64Image = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwg...";

    public static JsonNode EmbedRequest => new JsonObject { [ImageFields.Image] = Base64Image };

    /// <summary>Side 1 an image, side 2 an embedding stored at enrolment.</summary>
    public static JsonNode VerifyRequest => new JsonObject
    {
        [ImageFields.Image1] = Base64Image,
        [ImageFields.Embedding2] = new JsonArray([.. ShortEmbedding.Select(value => (JsonNode)value)]),
    };

    public static JsonNode EmbedResponse => Node(new EmbedResponse("w600k_r50", 512, 640, 480, [new EmbeddedFace(Box, 0.87f, Landmarks, ShortEmbedding, 21.4f)]));

    public static JsonNode VerifyResponse => Node(new VerifyResponse(true, 0.62f, 0.4f, "w600k_r50", new VerifiedFace(Box, 0.87f, Landmarks, 1), null));

    public static JsonNode Liveness => Node(new LivenessResponse("alive"));

    public static JsonNode Ready => Node(new ReadinessResponse(
        ReadinessStatus.Ready,
        null,
        new ModelDescription("w600k_r50", "w600k_r50.onnx", 512, "Cpu", true, "CUDA libraries not found: libcublasLt.so.13"),
        new ModelDescription("scrfd", "det_10g.onnx", null, "Cpu", null, "CUDA libraries not found: libcublasLt.so.13")));

    public static JsonNode Loading => Node(new ReadinessResponse(
        ReadinessStatus.Loading,
        "Models are not available: Downloading https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_l.zip failed: HTTP 503 Service Unavailable.",
        null,
        null,
        new DateTimeOffset(2026, 1, 1, 12, 0, 10, TimeSpan.Zero)));

    /// <summary>A problem answer as the service writes it (RFC 9457 with the <c>code</c>, <c>requestId</c> and <c>traceId</c> extensions).</summary>
    public static JsonNode Problem(int status, string code, string detail, string path) => new JsonObject
    {
        ["type"] = $"https://tools.ietf.org/html/rfc9110#section-15.{(status < 500 ? 5 : 6)}.{ProblemSection(status)}",
        ["title"] = ReasonPhrases.GetReasonPhrase(status),
        ["status"] = status,
        ["detail"] = detail,
        ["instance"] = path,
        ["code"] = code,
        ["requestId"] = "0HNA1B2C3D4E5:00000001",
        ["traceId"] = "4bf92f3577b34da6a3ce929d0e0e4736",
    };

    private static JsonNode Node<T>(T value) => JsonSerializer.SerializeToNode(value, JsonSerializerOptions.Web)!;

    // RFC 9110's section numbers for the statuses the endpoints answer with (15.5.x client, 15.6.x server).
    private static int ProblemSection(int status) => status switch
    {
        400 => 1,
        401 => 2,
        408 => 9,
        413 => 14,
        415 => 16,
        422 => 21,
        503 => 4,
        _ => 1,
    };
}
