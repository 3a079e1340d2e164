using FaceApi.Core.Imaging;
using FaceApi.Uploads;

namespace FaceApi.Hosting;

/// <summary>Kestrel's body limit derived from the per-image limit, so one setting governs both.</summary>
public static class RequestLimits
{
    /// <summary>
    /// The largest body the service reads: two images (for /verify) at the per-image limit, as
    /// base64 (4 characters per 3 bytes), plus the envelope. Each endpoint refuses bodies over its own,
    /// smaller limit for the shape it was sent in (<see cref="UploadLimits"/>); this one is Kestrel's
    /// bound for every path.
    /// </summary>
    public static long MaxBodyBytes(int maxImageBytes) => (2 * (((long)maxImageBytes + 2) / 3 * 4)) + UploadLimits.EnvelopeBytes;

    public static IServiceCollection AddRequestLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var images = new ImageDecodingOptions();
        configuration.GetSection("FaceApi:Limits").Bind(images);
        var maxBody = MaxBodyBytes(images.MaxEncodedBytes);
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = maxBody);
        return services;
    }
}
