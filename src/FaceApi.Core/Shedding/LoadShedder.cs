using FaceApi.Core.Batching;
using FaceApi.Core.Pipeline;

namespace FaceApi.Core.Shedding;

/// <summary>
/// Refuses an image at once when the work already queued ahead of it would keep it waiting longer than
/// <c>maxQueueTime</c>, so that under overload a request is either served within that time (plus its
/// own service time) or answered 503 at once, never after seconds in line. The work ahead is counted in
/// the two places an image waits: the image stage (images admitted and not yet decoded, detected and
/// aligned, and images let in whose uploads are still arriving) and the batch queue (aligned faces);
/// each is priced at its measured service time.
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
/// <param name="time">The clock that ages places taken before an upload (<see cref="PlaceInLine"/>); the system's by default.</param>
public sealed class LoadShedder(
    TimeSpan maxQueueTime,
    ExponentialMovingAverage detectionSeconds,
    int detectionRuns,
    int imageWorkers,
    ExponentialMovingAverage embeddingSecondsPerFace,
    IPipelineObserver? observer = null,
    TimeProvider? time = null)
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
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    // Checking the line and taking a place in it are one step, so that a burst arriving at once does not
    // all see an empty line; the places held for uploads change only under it. Images leave the stage
    // without it: a line read a moment too long only refuses on the safe side.
    private readonly Lock _line = new();

    // Places held for uploads, oldest first, so that those held past maxQueueTime can be let go; a place
    // leaves the list as soon as it stops counting, so the list is the uploads that count, no more.
    private readonly LinkedList<PlaceInLine> _uploadPlaces = new();
    private int _inImageStage;

    /// <summary>
    /// Admits an image, or throws <see cref="QueueFullException"/> (its Retry-After the expected time to
    /// drain the work ahead) when its expected wait exceeds the limit. An image that goes through the
    /// image stage holds its place in that stage's line until <see cref="ImageStageFinished"/>. An image
    /// let in before its upload was read comes with the place it took then (<see cref="RetryAfterIfOverloaded"/>),
    /// and goes in on it without a second verdict: the images let in while it uploaded counted it.
    /// </summary>
    /// <param name="needsImageStage">False for a small aligned crop, which goes straight to the batch queue.</param>
    /// <param name="batcher">The batch queue the image's faces will join.</param>
    /// <param name="place">The place taken before the upload was read, if any; it is used up here.</param>
    public void Admit(bool needsImageStage, IEmbeddingBatcher batcher, PlaceInLine? place = null)
    {
        ArgumentNullException.ThrowIfNull(batcher);
        TimeSpan wait;
        lock (_line)
        {
            LetGoOfExpiredPlaces();
            if (place is not null && TryLeave(place) && needsImageStage)
            {
                Interlocked.Increment(ref _inImageStage);
                return;
            }

            wait = ExpectedWaitNow(needsImageStage, batcher);
            if (wait <= maxQueueTime)
            {
                if (needsImageStage)
                {
                    Interlocked.Increment(ref _inImageStage);
                }

                return;
            }
        }

        // Counted and thrown outside the lock, which every verdict takes.
        throw new QueueFullException(Refusal(wait));
    }

    /// <summary>
    /// The verdict a request gets before its body is read, so that under overload a refusal costs neither
    /// the upload nor reading the image. An image let in takes its place in line at once
    /// (<paramref name="place"/>), counted as work ahead by every image let in after it while its upload
    /// arrives: checked only when each upload was in, a burst's slow uploads were let in at the door and
    /// refused after their bodies had arrived, hundreds of milliseconds after their requests (issue 13).
    /// A place counts for at most <c>maxQueueTime</c>, the longest the image was to wait: then it no
    /// longer holds up the line (uploads sent slowly cannot keep every image out), and the image, once in,
    /// gets the verdict of <see cref="Admit"/> on the line as it is then.
    /// It returns its verdict rather than throwing it: an exception's trip out through the request
    /// pipeline was a tenth to a fifth of a refusal's CPU time (issue 13).
    /// </summary>
    /// <param name="needsImageStage">False for an aligned crop, which may skip the image stage: it takes no place.</param>
    /// <param name="batcher">The batch queue the image's faces will join.</param>
    /// <param name="place">When going ahead with an image for the image stage, its place; to be passed to <see cref="Admit"/>, and disposed.</param>
    /// <returns>Null to go ahead; otherwise the refusal's Retry-After, the expected time to drain the work ahead.</returns>
    public TimeSpan? RetryAfterIfOverloaded(bool needsImageStage, IEmbeddingBatcher batcher, out PlaceInLine? place)
    {
        ArgumentNullException.ThrowIfNull(batcher);
        place = null;
        TimeSpan wait;
        lock (_line)
        {
            LetGoOfExpiredPlaces();
            wait = ExpectedWaitNow(needsImageStage, batcher);
            if (wait <= maxQueueTime)
            {
                if (needsImageStage)
                {
                    place = new PlaceInLine(this, _time.GetTimestamp());
                    _uploadPlaces.AddLast(place.Node);
                }

                return null;
            }
        }

        return Refusal(wait);
    }

    /// <summary>A place taken before the upload is given back: the request ended before its image went in.</summary>
    internal void GiveBack(PlaceInLine place)
    {
        lock (_line)
        {
            TryLeave(place);
        }
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

    // Under _line: the wait behind the images in the stage and those let in while uploading.
    private TimeSpan ExpectedWaitNow(bool needsImageStage, IEmbeddingBatcher batcher) =>
        ExpectedWait(needsImageStage ? Volatile.Read(ref _inImageStage) + _uploadPlaces.Count : 0, batcher.QueueDepth, batcher.MaxConcurrentBatches);

    // Under _line: the places held longer than maxQueueTime stop counting, oldest first.
    private void LetGoOfExpiredPlaces()
    {
        while (_uploadPlaces.First is { } oldest && _time.GetElapsedTime(oldest.Value.TakenAt) > maxQueueTime)
        {
            _uploadPlaces.Remove(oldest);
        }
    }

    // Under _line: whether the place still counted here, which it then stops doing. A place that
    // another shedder gave never counted here.
    private bool TryLeave(PlaceInLine place)
    {
        if (place.Node.List != _uploadPlaces)
        {
            return false;
        }

        _uploadPlaces.Remove(place.Node);
        return true;
    }

    // A refusal's Retry-After; counted here, once, whether the caller throws it or answers it.
    private TimeSpan Refusal(TimeSpan wait)
    {
        observer?.RequestShed(wait);
        return wait > ShortestRetryAfter ? wait : ShortestRetryAfter;
    }

    private static int Positive(int value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value, name);
        return value;
    }
}
