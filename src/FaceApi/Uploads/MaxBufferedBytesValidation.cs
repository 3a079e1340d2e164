using FaceApi.Core.Imaging;
using FaceApi.Hosting;
using Microsoft.Extensions.Options;

namespace FaceApi.Uploads;

/// <summary>
/// Checks at start-up that <see cref="UploadOptions.MaxBufferedBytes"/> holds the largest body the service
/// reads at the configured per-image limit at its peak (its chunks and the array they are copied into,
/// <see cref="PooledStreamReader.PeakBytes"/>): with less, a legitimate maximal /verify could never be read.
/// </summary>
public sealed class MaxBufferedBytesValidation(IOptions<ImageDecodingOptions> decoding) : IValidateOptions<UploadOptions>
{
    public ValidateOptionsResult Validate(string? name, UploadOptions options)
    {
        var maxImageBytes = decoding.Value.MaxEncodedBytes;
        var largest = PooledStreamReader.PeakBytes(RequestLimits.MaxBodyBytes(maxImageBytes));
        return options.MaxBufferedBytes >= largest
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"FaceApi:Uploads:MaxBufferedBytes is {options.MaxBufferedBytes}; it must hold the largest request body, " +
                $"a JSON /verify of two images at FaceApi:Limits:MaxEncodedBytes ({maxImageBytes}), while it is copied out of its chunks: at least {largest} bytes.");
    }
}
