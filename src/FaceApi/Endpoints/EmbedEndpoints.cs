using FaceApi.Contracts;
using FaceApi.Core.Pipeline;
using FaceApi.Errors;
using FaceApi.Metrics;
using FaceApi.Models;
using FaceApi.OpenApi;
using FaceApi.Uploads;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FaceApi.Endpoints;

/// <summary><c>POST /embed</c>: every face of an image with its embedding.</summary>
public static class EmbedEndpoints
{
    public static RouteGroupBuilder MapEmbedEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(string.Empty).WithTags("Faces");
        group.MapPost("/embed", EmbedAsync)
            .WithName("Embed")
            .WithSummary("Detect the faces in an image and return their embeddings.")
            .WithDescription(
                "Send one image as multipart/form-data (field `image`), as JSON `{\"image\": \"<base64>\"}`, " +
                "or as the body itself with its image type (`Content-Type: image/jpeg`, or `application/octet-stream`). " +
                "Faces come back largest first, each with its box, landmarks and an L2-normalised embedding. " +
                "With `aligned=true` the image is taken as an already aligned face crop and embedded whole.")
            .AcceptsUploads(Upload);
        return group;
    }

    private static readonly UploadBodyMetadata Upload = new([ImageFields.Image], []);

    /// <param name="request">The HTTP request (body read by <see cref="UploadReader"/>).</param>
    /// <param name="engine">The loaded models.</param>
    /// <param name="intake">Body reading and admission.</param>
    /// <param name="aligned">The image is an aligned face crop: skip detection.</param>
    /// <param name="maxFaces">Return at most this many faces, largest first (default: all).</param>
    /// <param name="cancellationToken">Request aborted.</param>
    internal static async Task<Results<Ok<EmbedResponse>, QueueFullResult>> EmbedAsync(
        HttpRequest request,
        FaceEngine engine,
        UploadIntake intake,
        [FromQuery] bool? aligned,
        [FromQuery] int? maxFaces,
        CancellationToken cancellationToken)
    {
        using var timer = ServiceMetrics.TimeRequest(request.HttpContext, "embed");
        if (maxFaces is < 1)
        {
            throw ApiProblemException.InvalidRequest("maxFaces must be at least 1.");
        }

        var models = engine.RequireReady();
        // Before the body is read: under overload a refusal should cost neither the upload nor the decode.
        // Let in, the image holds a place in line while it uploads, given back if the request ends first.
        if (models.Pipeline.RetryAfterIfOverloaded(needsImageStage: aligned is not true, out var place) is { } retryAfter)
        {
            return new QueueFullResult(retryAfter);
        }

        using var heldPlace = place;
        using var upload = await intake.ReadAndAdmitAsync(request, Upload, models, cancellationToken);
        if (!upload.Body.Images.TryGetValue(ImageFields.Image, out var image))
        {
            throw ApiProblemException.InvalidRequest("The request has no 'image' field.");
        }

        var identified = models.Pipeline.Identify(image);
        var analysis = await models.Pipeline.AnalyzeAsync(identified, new AnalysisRequest(aligned ?? false, maxFaces), place, cancellationToken);
        if (analysis.Faces.Count == 0)
        {
            throw ApiProblemException.NoFace("No face was found in the image.");
        }

        var faces = analysis.Faces.Select(face => face.Detection is { } detection
            ? new EmbeddedFace(detection.Box.ToContract(), detection.Score, detection.Landmarks.ToContract(), face.Embedding.Vector, face.Embedding.Norm)
            : new EmbeddedFace(new FaceBox(0, 0, analysis.ImageWidth, analysis.ImageHeight), null, null, face.Embedding.Vector, face.Embedding.Norm));
        return TypedResults.Ok(new EmbedResponse(
            models.Embedder.ModelName,
            models.Embedder.EmbeddingSize,
            analysis.ImageWidth,
            analysis.ImageHeight,
            faces.ToArray()));
    }
}
