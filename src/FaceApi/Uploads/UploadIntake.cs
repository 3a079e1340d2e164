using FaceApi.Core.Imaging;
using FaceApi.Hosting;
using FaceApi.Models;
using FaceApi.OpenApi;
using Microsoft.Extensions.Options;

namespace FaceApi.Uploads;

/// <summary>
/// The way into the pipeline for an upload request, in the order that keeps attackers cheap: the
/// whole body first (bounded in size, time and, over all requests, bytes held: <see cref="BufferedBodyBudget"/>;
/// held by no slot), then an admission slot
/// (<see cref="RequestAdmission"/>), then, once the image headers are read, decoded pixels
/// (<see cref="DecodedPixelBudget"/>).
/// </summary>
public sealed class UploadIntake(
    IOptions<ImageDecodingOptions> decoding,
    IOptions<UploadOptions> uploads,
    RequestAdmission admission,
    BufferedBodyBudget bodyBudget,
    DecodedPixelBudget pixelBudget)
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

    /// <summary>
    /// Reserves what decoding <paramref name="images"/> holds, together, until the result is disposed: their pixels
    /// and the decoder's own buffers (<see cref="IdentifiedImage.DecodingPixels"/>).
    /// </summary>
    /// <exception cref="Core.Batching.QueueFullException">The pixel budget has no room for them now.</exception>
    public IDisposable ReservePixels(params IEnumerable<IdentifiedImage> images) => pixelBudget.Reserve(images.Sum(image => image.DecodingPixels));
}
