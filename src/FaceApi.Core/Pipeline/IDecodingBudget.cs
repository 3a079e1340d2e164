namespace FaceApi.Core.Pipeline;

/// <summary>
/// The pixels that decoded images may hold at once, over all the pipeline's compute threads. The
/// pipeline reserves an image's <see cref="Imaging.IdentifiedImage.DecodingPixels"/> on the compute
/// thread, just before decoding it, and gives them back once the decoded image is gone: what a budget
/// bounds is the memory decoding holds, not the images waiting in line for a thread, which hold only
/// their encoded bytes.
/// </summary>
public interface IDecodingBudget
{
    /// <summary>Waits until <paramref name="pixels"/> are free, then holds them until the result is disposed.</summary>
    /// <exception cref="OperationCanceledException">The image was abandoned while it waited.</exception>
    IDisposable Reserve(long pixels, CancellationToken cancellationToken);
}
