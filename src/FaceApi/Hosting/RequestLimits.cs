using FaceApi.Core.Imaging;
using Microsoft.AspNetCore.Http.Features;

namespace FaceApi.Hosting;

/// <summary>Kestrel and form limits derived from the per-image limit, so one setting governs both.</summary>
public static class RequestLimits
{
    // Room for multipart boundaries, headers and JSON punctuation around the images.
    private const long EnvelopeBytes = 64 * 1024;

    /// <summary>
    /// The largest body the service reads: two images (for /verify) at the per-image limit, as
    /// base64 (4 characters per 3 bytes), plus the envelope.
    /// </summary>
    public static long MaxBodyBytes(int maxImageBytes) => (2 * (((long)maxImageBytes + 2) / 3 * 4)) + EnvelopeBytes;

    public static IServiceCollection AddRequestLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var images = new ImageDecodingOptions();
        configuration.GetSection("FaceApi:Limits").Bind(images);
        var maxBody = MaxBodyBytes(images.MaxEncodedBytes);
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = maxBody);
        services.Configure<FormOptions>(options =>
        {
            options.MultipartBodyLengthLimit = maxBody;
            // Keep uploaded images in memory: past this threshold ASP.NET Core spools a file section
            // to a temp file, and face images are biometric data that must never touch the disk.
            options.MemoryBufferThreshold = images.MaxEncodedBytes;
            // Form values carry only embeddings (512 numbers as text, under 10 KB); files are separate.
            options.ValueLengthLimit = 64 * 1024;
            options.ValueCountLimit = 16;
        });
        return services;
    }
}
