using FaceApi.OpenApi;

namespace FaceApi.Endpoints;

/// <summary>What every image-upload endpoint declares: its body fields and the problems it can answer.</summary>
public static class UploadEndpointConventions
{
    public static RouteHandlerBuilder AcceptsUploads(this RouteHandlerBuilder endpoint, UploadBodyMetadata body) => endpoint
        .WithMetadata(body)
        // Server-to-server API with no cookies or forms of its own: antiforgery tokens do not apply.
        .DisableAntiforgery()
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status408RequestTimeout)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
