using FaceApi.Core.Imaging;
using FaceApi.Uploads;

namespace FaceApi.Hosting;

/// <summary>Kestrel's body limit derived from the per-image limit, so one setting governs both.</summary>
public static class RequestLimits
{
    /// <summary>
    /// The largest body the service reads: a JSON /verify of two images at the per-image limit, the
    /// largest shape of all (<see cref="UploadLimits.MaxBodyBytes"/>). Each endpoint refuses bodies over
    /// its own, smaller limit for the shape it was sent in; this one is Kestrel's bound for every path.
    /// </summary>
    // Images bound every body (an embedding is far shorter than an image), so the embedding length,
    // known only once the model is loaded, plays no part here.
    public static long MaxBodyBytes(int maxImageBytes) => new UploadLimits(maxImageBytes, EmbeddingSize: 0).MaxBodyBytes(BodyFormat.Json, imageFields: 2);

    public static IServiceCollection AddRequestLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var images = new ImageDecodingOptions();
        configuration.GetSection("FaceApi:Limits").Bind(images);
        var maxBody = MaxBodyBytes(images.MaxEncodedBytes);
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = maxBody);
        return services;
    }
}
