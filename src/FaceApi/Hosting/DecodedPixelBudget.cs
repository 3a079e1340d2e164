using System.Threading.RateLimiting;
using FaceApi.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace FaceApi.Hosting;

/// <summary>
/// Bounds image decodes by the pixels they hold, read from the image header, not by count: at most
/// <see cref="RequestAdmissionOptions.MaxDecodedPixels"/> decoded pixels exist at once, the decoder's
/// own buffers counted as the RGB24 pixels they would fill (<see cref="Core.Imaging.IdentifiedImage.DecodingPixels"/>).
/// Sixteen 139 KB all-black 7000x7000 PNGs, 49 million pixels each, raised RSS by 1.8 GB under the
/// count limit alone (issue 13).
/// </summary>
/// <remarks>
/// A compute thread waits here for room before it decodes (<see cref="IDecodingBudget"/>): only images
/// being decoded hold pixels, so the images waiting in line for a thread are bounded by the load
/// shedder's time, not refused by memory they do not hold yet. Refusing them here instead refused
/// ordinary 10-megapixel photos, three of which filled the budget while they waited, after their bodies
/// had arrived: hundreds of milliseconds after their requests in a burst (issue 13).
/// </remarks>
public sealed class DecodedPixelBudget : IDecodingBudget, IDisposable
{
    private readonly int _budget;

    // One permit per pixel. Waiting decodes take their turns oldest first, so a large image is not
    // passed over for ever by smaller ones; every wait is at most the compute threads' count times the
    // budget in permits, far below the limiter's int.MaxValue.
    private readonly ConcurrencyLimiter _pixels;

    public DecodedPixelBudget(IOptions<RequestAdmissionOptions> options)
    {
        _budget = options.Value.MaxDecodedPixels;
        _pixels = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = _budget,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>
    /// Waits for <paramref name="pixels"/>, on the calling compute thread, and holds them until the result
    /// is disposed. An image larger than the whole budget reserves all of it: it is decoded alone rather
    /// than never.
    /// </summary>
    public IDisposable Reserve(long pixels, CancellationToken cancellationToken)
    {
        // On a compute thread, which has nothing else to do until the image is decoded; the wait
        // completes at once whenever there is room.
        var lease = _pixels.AcquireAsync((int)Math.Min(pixels, _budget), cancellationToken).AsTask().GetAwaiter().GetResult();
        if (lease.IsAcquired)
        {
            return lease;
        }

        // Only a limiter disposed at shutdown answers without a permit.
        lease.Dispose();
        throw new OperationCanceledException("The decoding budget is closed.");
    }

    public void Dispose() => _pixels.Dispose();
}
