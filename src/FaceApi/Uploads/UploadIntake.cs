using FaceApi.Core.Imaging;
using FaceApi.Hosting;
using FaceApi.Models;
using FaceApi.OpenApi;
using Microsoft.Extensions.Options;

namespace FaceApi.Uploads;

/// <summary>
/// The way into the pipeline for an upload request, in the order that keeps attackers cheap: the
/// whole body first (bounded in size, time and, over all requests, bytes held: <see cref="BufferedBodyBudget"/>;
/// held by no slot), then an admission slot (<see cref="RequestAdmission"/>). Decoded pixels are
/// bounded where decoding happens, on the compute threads (<see cref="DecodedPixelBudget"/>).
/// </summary>
public sealed class UploadIntake(
    IOptions<ImageDecodingOptions> decoding,
    IOptions<UploadOptions> uploads,
    RequestAdmission admission,
    BufferedBodyBudget bodyBudget)
{
    /// <summary>Reads the body <paramref name="shape"/> describes, then takes an admission slot.</summary>
    /// <exception cref="Core.Batching.QueueFullException">The body budget has no room for the body, or no slot is free.</exception>
    public async Task<AdmittedUpload> ReadAndAdmitAsync(HttpRequest request, UploadBodyMetadata shape, LoadedModels models, CancellationToken cancellationToken)
    {
        var limits = new UploadLimits(decoding.Value.MaxEncodedBytes, models.Embedder.EmbeddingSize);
        var body = await UploadReader.ReadAsync(request, shape, limits, uploads.Value.BodyReadTimeout, bodyBudget, cancellationToken);
        try
        {
            return new AdmittedUpload(body, admission);
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }
}
