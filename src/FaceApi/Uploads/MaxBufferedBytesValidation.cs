using FaceApi.Core.Imaging;
using FaceApi.Hosting;
using Microsoft.Extensions.Options;

namespace FaceApi.Uploads;

/// <summary>
/// Checks at start-up that <see cref="UploadOptions.MaxBufferedBytes"/> holds the largest body the service
/// reads at the configured per-image limit at its peak (its chunks and the array they are copied into,
/// <see cref="PooledStreamReader.PeakBytes"/>): with less, a legitimate maximal /verify could never be read.
/// And that it fits the managed heap this process may use, with as much again left for everything else.
/// </summary>
/// <remarks>
/// The heap's limit is <see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>: 75 % of a container's memory
/// limit, or <c>DOTNET_GCHeapHardLimit</c>, or the machine's memory. Beside the bodies the heap holds the
/// service itself (35 to 40 MB), Kestrel's connection buffers, the detector's tensors and ONNX Runtime's
/// outputs, which no budget counts. An attacking session (2 December 2026, 2-core VM, test models) flooded
/// replicas with 14 MB photos: with the budget at 94 % of a 128 MiB heap the process died of running out
/// of memory within 2 to 5 s in 6 of 8 runs (the runtime's own allocations fail outside any handler: an async
/// state machine's type initialiser on a thread-pool thread); at 62 % of a 192 MiB heap a few requests
/// ran out, none fatally; at 47 % of 256 MiB none did. Half is the most this check lets the bodies take.
/// </remarks>
public sealed class MaxBufferedBytesValidation(IOptions<ImageDecodingOptions> decoding) : IValidateOptions<UploadOptions>
{
    public ValidateOptionsResult Validate(string? name, UploadOptions options)
    {
        var maxImageBytes = decoding.Value.MaxEncodedBytes;
        var largest = PooledStreamReader.PeakBytes(RequestLimits.MaxBodyBytes(maxImageBytes));
        if (options.MaxBufferedBytes < largest)
        {
            return ValidateOptionsResult.Fail(
                $"FaceApi:Uploads:MaxBufferedBytes is {options.MaxBufferedBytes}; it must hold the largest request body, " +
                $"a JSON /verify of two images at FaceApi:Limits:MaxEncodedBytes ({maxImageBytes}), while it is copied out of its chunks: at least {largest} bytes.");
        }

        var heap = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return options.MaxBufferedBytes <= heap / 2
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"FaceApi:Uploads:MaxBufferedBytes is {options.MaxBufferedBytes}, more than half of the {heap} bytes of managed heap this process may use " +
                "(75 % of a container's memory limit, or DOTNET_GCHeapHardLimit): the rest of the service would run out of memory beside its request bodies. " +
                $"Raise the memory limit, or lower MaxBufferedBytes (and with it FaceApi:Limits:MaxEncodedBytes, since it must hold at least {largest} bytes).");
    }
}
