using System.Numerics.Tensors;
using FaceApi.Contracts;
using FaceApi.Core.Comparison;
using FaceApi.Core.Imaging;
using FaceApi.Core.Pipeline;
using FaceApi.Errors;
using FaceApi.Metrics;
using FaceApi.Models;
using FaceApi.OpenApi;
using FaceApi.Uploads;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace FaceApi.Endpoints;

/// <summary><c>POST /verify</c>: are two faces the same person?</summary>
public static class VerifyEndpoints
{
    public static RouteGroupBuilder MapVerifyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(string.Empty).WithTags("Faces");
        group.MapPost("/verify", VerifyAsync)
            .WithName("Verify")
            .WithSummary("Decide whether two faces belong to the same person.")
            .WithDescription(
                "Each side is an image (`image1`/`image2`: multipart files or base64 in JSON) or a stored embedding " +
                "(`embedding1`/`embedding2`: JSON arrays, e.g. kept from an earlier /embed at enrolment). " +
                "The largest face of each image is used. `match` is `similarity >= threshold`.")
            .AcceptsUploads(Upload);
        return group;
    }

    private static readonly UploadBodyMetadata Upload = new([ImageFields.Image1, ImageFields.Image2], [ImageFields.Embedding1, ImageFields.Embedding2]);

    /// <param name="request">The HTTP request (body read by <see cref="UploadReader"/>).</param>
    /// <param name="engine">The loaded models.</param>
    /// <param name="intake">Body reading and admission.</param>
    /// <param name="verification">The default threshold.</param>
    /// <param name="threshold">Overrides the configured decision threshold (0 to 1).</param>
    /// <param name="cancellationToken">Request aborted.</param>
    internal static async Task<Ok<VerifyResponse>> VerifyAsync(
        HttpRequest request,
        FaceEngine engine,
        UploadIntake intake,
        IOptions<VerificationOptions> verification,
        [FromQuery] float? threshold,
        CancellationToken cancellationToken)
    {
        using var timer = ServiceMetrics.TimeRequest(request.HttpContext, "verify");
        if (threshold is { } t && (!float.IsFinite(t) || t < 0 || t > 1))
        {
            throw ApiProblemException.InvalidRequest("threshold must be between 0 and 1.");
        }

        var models = engine.RequireReady();
        // No refusal before the body is read, unlike /embed: a /verify of two stored embeddings waits in
        // no queue, and which sides are images is known only once the body is in.
        using var upload = await intake.ReadAndAdmitAsync(request, Upload, models, cancellationToken);
        var side1 = ResolveSide(upload.Body, ImageFields.Image1, ImageFields.Embedding1, models.Pipeline);
        var side2 = ResolveSide(upload.Body, ImageFields.Image2, ImageFields.Embedding2, models.Pipeline);

        // Both images go through the pipeline at once, so their faces can share a batch.
        var first = EmbedSideAsync(side1, models.Pipeline, cancellationToken);
        var second = EmbedSideAsync(side2, models.Pipeline, cancellationToken);
        await Task.WhenAll(first, second);
        var (embedding1, face1) = first.Result;
        var (embedding2, face2) = second.Result;

        var similarity = FaceComparer.CosineSimilarity(embedding1, embedding2);
        var used = threshold ?? verification.Value.Threshold;
        return TypedResults.Ok(new VerifyResponse(similarity >= used, similarity, used, models.Embedder.ModelName, face1, face2));
    }

    // The embedding's length was checked as it was read (UploadReader); an image's header is read here,
    // so that a bad second image is refused before the first is decoded.
    private static VerifySide ResolveSide(UploadedBody body, string imageField, string embeddingField, FacePipeline pipeline)
    {
        var hasImage = body.Images.TryGetValue(imageField, out var image);
        var hasEmbedding = body.Embeddings.TryGetValue(embeddingField, out var embedding);
        if (hasImage == hasEmbedding)
        {
            throw ApiProblemException.InvalidRequest($"Send exactly one of '{imageField}' and '{embeddingField}'.");
        }

        if (hasEmbedding)
        {
            // Only the direction counts. In single precision the squares of values below about 1e-23
            // underflow to zero and those above about 1e19 overflow, so such an embedding's cosine would
            // be 0/0, x/0 or inf/inf: a 500 or a false match. Scaled to unit length, any other is safe.
            var norm = TensorPrimitives.Norm(embedding!);
            if (!(norm > 0) || !float.IsFinite(norm))
            {
                throw ApiProblemException.InvalidRequest($"'{embeddingField}' has no usable direction: its length is zero or beyond single precision.");
            }

            TensorPrimitives.Divide(embedding, norm, embedding);
        }

        return new VerifySide(imageField, hasImage ? pipeline.Identify(image) : null, embedding);
    }

    private static async Task<(float[] Embedding, VerifiedFace? Face)> EmbedSideAsync(VerifySide side, FacePipeline pipeline, CancellationToken cancellationToken)
    {
        if (side.Embedding is { } stored)
        {
            return (stored, null);
        }

        var analysis = await pipeline.AnalyzeAsync(side.Image!, new AnalysisRequest(MaxFaces: 1), cancellationToken);
        if (analysis.Faces.Count == 0)
        {
            throw ApiProblemException.NoFace($"No face was found in {side.Field}.", side.Field);
        }

        var face = analysis.Faces[0];
        var detection = face.Detection!;
        return (face.Embedding.Vector, new VerifiedFace(detection.Box.ToContract(), detection.Score, detection.Landmarks.ToContract(), analysis.FacesFound));
    }

    private sealed record VerifySide(string Field, IdentifiedImage? Image, float[]? Embedding);
}
