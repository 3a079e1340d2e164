using FaceApi.Core.Batching;
using FaceApi.Core.Pipeline;

namespace FaceApi.Core.Shedding;

/// <summary>
/// Refuses an image at once when the work already queued ahead of it would keep it waiting longer than
/// <c>maxQueueTime</c>, so that under overload a request is either served within that time (plus its
/// own service time) or answered 503 at once, never after seconds in line. The work ahead is counted in
/// the two places an image waits: the image stage (images admitted and not yet decoded, detected and
/// aligned) and the batch queue (aligned faces); each is priced at its measured service time.
/// </summary>
/// <remarks>
/// The two waits are added, not overlapped: on a CPU the detector and the recogniser share the cores,
/// so their work ahead drains one after the other. On a GPU this overestimates a little and sheds early,
/// the safe side.
/// </remarks>
/// <param name="maxQueueTime">The longest expected wait an image is admitted with.</param>
/// <param name="detectionSeconds">Measured seconds of one detector run (one image).</param>
/// <param name="detectionRuns">Detector runs that proceed at once (its session pool size).</param>
/// <param name="imageWorkers">Images the image stage works on at once (its compute threads).</param>
/// <param name="embeddingSecondsPerFace">Measured seconds per face of a recognition batch.</param>
/// <param name="observer">Told of every refusal; optional.</param>
public sealed class LoadShedder(
    TimeSpan maxQueueTime,
    ExponentialMovingAverage detectionSeconds,
    int detectionRuns,
    int imageWorkers,
    ExponentialMovingAverage embeddingSecondsPerFace,
    IPipelineObserver? observer = null)
{
    // Divisors of the prices below: a zero would make every expected wait NaN and every Admit throw.
    private readonly int _detectionRuns = Positive(detectionRuns);
    private readonly int _imageWorkers = Positive(imageWorkers);

    // Retry-After is whole seconds (RFC 9110 §10.2.3); one second is the shortest hint it can give.
    private static readonly TimeSpan ShortestRetryAfter = TimeSpan.FromSeconds(1);

    // An image's stage time counts at most this many times the price so far. One image that took far
    // longer than the rest says little about the next ones: a 14.5 s progressive-JPEG bomb, taken whole,
    // raised the price of every image after it fifteenfold, and bursts of ten ordinary photos that the
    // service had served in full were then refused 2 to 8 in 10 (issue 13, second probe). Bounded, one
    // image raises the price by at most 2.4 times (a fifth of seven times it). The bound also biases the
    // price low when rare images are far slower than the rest: with one photo in ten taking 40 times the
    // others, the price settles 8 % under their mean (a bound of 4 left it 70 % under, in a review's
    // simulation). A lasting change is still followed within a few images. The first image is taken
    // whole: bounding it by the detector's time would price a GPU's first images, whose decoding takes
    // ten times its detection, far too low.
    private const double OutlierBound = 8;

    private readonly ExponentialMovingAverage _facesPerImage = new();
    private readonly ExponentialMovingAverage _imageSeconds = new();
    private int _inImageStage;

    /// <summary>
    /// Admits an image, or throws <see cref="QueueFullException"/> (its Retry-After the expected time to
    /// drain the work ahead) when its expected wait exceeds the limit. An image that goes through the
    /// image stage holds its place in that stage's line until <see cref="ImageStageFinished"/>.
    /// </summary>
    /// <param name="needsImageStage">False for a small aligned crop, which goes straight to the batch queue.</param>
    /// <param name="batcher">The batch queue the image's faces will join.</param>
    public void Admit(bool needsImageStage, IEmbeddingBatcher batcher)
    {
        ArgumentNullException.ThrowIfNull(batcher);
        while (true)
        {
            var ahead = Volatile.Read(ref _inImageStage);
            if (RetryAfterIfLongerThanAllowed(ExpectedWait(needsImageStage ? ahead : 0, batcher.QueueDepth, batcher.MaxConcurrentBatches)) is { } retryAfter)
            {
                throw new QueueFullException(retryAfter);
            }

            // Check and take the place in one step: a burst arriving at once must not all see an empty line.
            if (!needsImageStage || Interlocked.CompareExchange(ref _inImageStage, ahead + 1, ahead) == ahead)
            {
                return;
            }
        }
    }

    /// <summary>
    /// The same verdict as <see cref="Admit"/> on the work queued now, without taking a place in line:
    /// the check a request gets before its body is read, so that under overload a refusal costs
    /// neither the upload nor reading the image. <see cref="Admit"/> checks again once the image is in.
    /// It returns its verdict rather than throwing it: an exception's trip out through the request
    /// pipeline was a tenth to a fifth of a refusal's CPU time (issue 13).
    /// </summary>
    /// <returns>Null to go ahead; otherwise the refusal's Retry-After, the expected time to drain the work ahead.</returns>
    public TimeSpan? RetryAfterIfOverloaded(bool needsImageStage, IEmbeddingBatcher batcher)
    {
        ArgumentNullException.ThrowIfNull(batcher);
        var ahead = needsImageStage ? Volatile.Read(ref _inImageStage) : 0;
        return RetryAfterIfLongerThanAllowed(ExpectedWait(ahead, batcher.QueueDepth, batcher.MaxConcurrentBatches));
    }

    /// <summary>
    /// An admitted image left the image stage (done, failed or abandoned) with <paramref name="facesToEmbed"/>
    /// faces for the batch queue.
    /// </summary>
    /// <param name="facesToEmbed">Faces it brings to the batch queue.</param>
    /// <param name="stageTime">
    /// How long a compute thread worked on it, from taking it up to handing its crops on, waits for a
    /// detector session included; null when it did not get through.
    /// </param>
    public void ImageStageFinished(int facesToEmbed, TimeSpan? stageTime)
    {
        Interlocked.Decrement(ref _inImageStage);
        _facesPerImage.Add(facesToEmbed);
        if (stageTime is { } time)
        {
            var price = _imageSeconds.Value;
            _imageSeconds.Add(price > 0 ? Math.Min(time.TotalSeconds, OutlierBound * price) : time.TotalSeconds);
        }
    }

    /// <summary>
    /// The time until the work ahead is done: each image ahead takes its turn in the image stage and
    /// brings its share of faces to the batch queue, and each face there takes its share of a batch.
    /// </summary>
    /// <remarks>
    /// An image needs a compute thread (decode, detect, align) and, for part of that time, a detector
    /// session; the scarcer of the two sets the pace. On two CPU cores that is the detector; on a GPU,
    /// where detection takes milliseconds, it is decoding on the compute threads, which a price by
    /// detector runs alone missed. Before any image has gone through, the detector's warm-up run is
    /// the only figure there is.
    /// </remarks>
    public TimeSpan ExpectedWait(int imagesAhead, int queuedFaces, int concurrentBatches)
    {
        var secondsPerImage = Math.Max(detectionSeconds.Value / _detectionRuns, _imageSeconds.Value / _imageWorkers);
        var detecting = secondsPerImage * imagesAhead;
        var facesAhead = queuedFaces + (imagesAhead * _facesPerImage.Value);
        var embedding = embeddingSecondsPerFace.Value * facesAhead / concurrentBatches;
        return TimeSpan.FromSeconds(detecting + embedding);
    }

    // A refusal is counted here, once, whether the caller throws it or answers it.
    private TimeSpan? RetryAfterIfLongerThanAllowed(TimeSpan wait)
    {
        if (wait <= maxQueueTime)
        {
            return null;
        }

        observer?.RequestShed(wait);
        return wait > ShortestRetryAfter ? wait : ShortestRetryAfter;
    }

    private static int Positive(int value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, name);
        return value;
    }
}
