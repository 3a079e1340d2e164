using System.Diagnostics;
using FaceApi.Core.Alignment;
using FaceApi.Core.Batching;
using FaceApi.Core.Detection;
using FaceApi.Core.Imaging;
using FaceApi.Core.Scheduling;
using FaceApi.Core.Shedding;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Pipeline;

/// <summary>
/// Decode, detect, align, embed: the whole path from uploaded bytes to embeddings. Decoding,
/// detection and alignment run on a <see cref="ComputeScheduler"/>'s threads (small aligned crops are
/// decoded on the caller's); embedding goes through the batcher so that faces of concurrent requests
/// share model runs.
/// </summary>
/// <param name="decoder">Turns bytes into pixels within the configured limits.</param>
/// <param name="detector">Finds faces and their landmarks.</param>
/// <param name="batcher">Embeds aligned crops.</param>
/// <param name="compute">Runs decoding, detection and alignment, off the request's thread.</param>
/// <param name="cropSize">Side of the recognition model's square crop.</param>
/// <param name="observer">Receives stage timings; optional.</param>
/// <param name="shedder">Refuses images whose expected wait is too long; optional (none: every image waits its turn).</param>
/// <param name="decodingBudget">Bounds the pixels decoded images hold at once on the compute threads; optional (none: unbounded but by the thread count).</param>
public sealed class FacePipeline(
    ImageDecoder decoder,
    ScrfdDetector detector,
    IEmbeddingBatcher batcher,
    ComputeScheduler compute,
    int cropSize,
    IPipelineObserver? observer = null,
    LoadShedder? shedder = null,
    IDecodingBudget? decodingBudget = null)
{
    // Aligned crops up to this size are decoded on the request's thread: a 112x112 PNG decodes in about
    // 0.3 ms, too short to hold up the thread pool, while the hop to a compute thread and back added
    // 0.07 ms of service CPU a request (near-free benchmark, 64 clients: 1.15 against 1.08 ms). They
    // take nothing from the decoding budget, whose wait would block a request thread: at most two per
    // admitted request (a /verify of two crops), 64 K pixels each, 8 M at the default 64 requests.
    private const long InlineCropPixels = 256 * 256;

    /// <summary>Analyses one encoded image.</summary>
    /// <exception cref="ImageDecodingException">The bytes are not a usable image.</exception>
    /// <exception cref="QueueFullException">The service is at capacity, or the image would wait too long.</exception>
    /// <exception cref="BatchTimeoutException">The model did not get to the faces in time.</exception>
    /// <exception cref="TooManyFacesException">More faces than the queue can ever hold.</exception>
    public Task<FaceAnalysis> AnalyzeAsync(ReadOnlyMemory<byte> encodedImage, AnalysisRequest request, CancellationToken cancellationToken) =>
        AnalyzeAsync(Identify(encodedImage), request, cancellationToken);

    /// <summary>Frees what decoding keeps pooled between requests (<see cref="ImageDecoder.ReleaseRetainedMemory"/>).</summary>
    public void ReleaseRetainedMemory() => decoder.ReleaseRetainedMemory();

    /// <summary>
    /// Whether an image sent now would wait longer than allowed for the work queued ahead of it
    /// (<see cref="LoadShedder.RetryAfterIfOverloaded"/>); for callers that have not read the image yet.
    /// An image let in for the image stage takes its place in line at once.
    /// </summary>
    /// <param name="needsImageStage">Whether the image will go through the image stage: decode, detect, align (false for an aligned crop).</param>
    /// <param name="place">When going ahead with an image for the image stage, the place it holds in line while it uploads: pass it to <see cref="AnalyzeAsync(IdentifiedImage, AnalysisRequest, PlaceInLine, CancellationToken)"/>, and dispose it.</param>
    /// <returns>Null to go ahead; otherwise the Retry-After of a 503 <c>queue_full</c>, counted as a refusal.</returns>
    public TimeSpan? RetryAfterIfOverloaded(bool needsImageStage, out PlaceInLine? place)
    {
        place = null;
        return shedder?.RetryAfterIfOverloaded(needsImageStage, batcher, out place);
    }

    /// <summary>
    /// Reads and checks an image's header without decoding it, so the caller can admit the decode by its
    /// cost (<see cref="IdentifiedImage.DecodingPixels"/>) before paying for it.
    /// </summary>
    /// <exception cref="ImageDecodingException">The header is not that of a usable image within the limits.</exception>
    public IdentifiedImage Identify(ReadOnlyMemory<byte> encodedImage) => decoder.Identify(encodedImage);

    /// <summary>Analyses an image <see cref="Identify"/> accepted.</summary>
    /// <exception cref="ImageDecodingException">The pixel data is not usable.</exception>
    /// <exception cref="QueueFullException">The service is at capacity, or the image would wait too long.</exception>
    /// <exception cref="BatchTimeoutException">The model did not get to the faces in time.</exception>
    /// <exception cref="TooManyFacesException">More faces than the queue can ever hold.</exception>
    public Task<FaceAnalysis> AnalyzeAsync(IdentifiedImage identified, AnalysisRequest request, CancellationToken cancellationToken) =>
        AnalyzeAsync(identified, request, place: null, cancellationToken);

    /// <summary>Analyses an image <see cref="Identify"/> accepted, let in before its upload was read.</summary>
    /// <param name="identified">The image's header, read.</param>
    /// <param name="request">What to do with it.</param>
    /// <param name="place">The place <see cref="RetryAfterIfOverloaded"/> gave it, if any: the image goes into the image stage on it.</param>
    /// <param name="cancellationToken">Abandons the analysis.</param>
    /// <exception cref="ImageDecodingException">The pixel data is not usable.</exception>
    /// <exception cref="QueueFullException">The service is at capacity, or the image would wait too long.</exception>
    /// <exception cref="BatchTimeoutException">The model did not get to the faces in time.</exception>
    /// <exception cref="TooManyFacesException">More faces than the queue can ever hold.</exception>
    public async Task<FaceAnalysis> AnalyzeAsync(IdentifiedImage identified, AnalysisRequest request, PlaceInLine? place, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Small aligned crops skip the image stage; everything else waits its turn there.
        var inline = request.Aligned && identified.DecodingPixels <= InlineCropPixels;
        var imageStage = inline ? null
            : Timed(request.Aligned ? () => DecodeLargeCrop(identified, cancellationToken) : () => DetectAndAlign(identified, request, cancellationToken));
        // Before any work, so that a refusal costs nothing and comes at once; after the allocations
        // above, so that none can fail between taking a place in the shedder's line and holding it.
        shedder?.Admit(needsImageStage: imageStage is not null, batcher, place);
        var aligned = imageStage is null
            ? DecodeCrop(identified, cancellationToken)
            : await RunImageStageAsync(imageStage, cancellationToken).ConfigureAwait(false);

        var embeddings = await batcher.EmbedAsync(aligned.Crops, cancellationToken).ConfigureAwait(false);
        var faces = new AnalyzedFace[embeddings.Length];
        for (var i = 0; i < faces.Length; i++)
        {
            faces[i] = new AnalyzedFace(aligned.Detections?[i], embeddings[i]);
        }

        return new FaceAnalysis(aligned.Width, aligned.Height, aligned.FacesFound, faces);
    }

    // The crop is the face.
    private AlignedImage DecodeCrop(IdentifiedImage identified, CancellationToken cancellationToken)
    {
        using var crop = Decode(identified, cancellationToken);
        return new AlignedImage(crop.Width, crop.Height, 1, null, [FaceAligner.FromCrop(crop, cropSize)]);
    }

    // The image stage's work, and how long a compute thread spent on it.
    private static Func<(AlignedImage Aligned, TimeSpan StageTime)> Timed(Func<AlignedImage> work) => () =>
    {
        var started = Stopwatch.GetTimestamp();
        var result = work();
        return (result, Stopwatch.GetElapsedTime(started));
    };

    // On a compute thread, holding the image's place in load shedding's line until it is done there.
    // Nothing is allocated before the try, whose finally gives the place back.
    private async Task<AlignedImage> RunImageStageAsync(Func<(AlignedImage Aligned, TimeSpan StageTime)> timedWork, CancellationToken cancellationToken)
    {
        AlignedImage? aligned = null;
        TimeSpan? stageTime = null;
        try
        {
            (aligned, stageTime) = await compute.Run(timedWork, cancellationToken).ConfigureAwait(false);
            return aligned;
        }
        finally
        {
            // Done, undecodable, refused or abandoned: either way the image no longer waits for the image stage.
            shedder?.ImageStageFinished(aligned?.Crops.Length ?? 0, stageTime);
        }
    }

    // On a compute thread: a crop too large to decode inline, within the decoding budget.
    private AlignedImage DecodeLargeCrop(IdentifiedImage identified, CancellationToken cancellationToken)
    {
        using var pixels = decodingBudget?.Reserve(identified.DecodingPixels, cancellationToken);
        return DecodeCrop(identified, cancellationToken);
    }

    // On a compute thread: the decoded photo never leaves it, only the aligned crops do.
    private AlignedImage DetectAndAlign(IdentifiedImage identified, AnalysisRequest request, CancellationToken cancellationToken)
    {
        using var pixels = decodingBudget?.Reserve(identified.DecodingPixels, cancellationToken);
        using var image = Decode(identified, cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var detections = detector.Detect(image);
        observer?.FacesDetected(Stopwatch.GetElapsedTime(started), detections.Count);

        var selected = request.MaxFaces is { } max ? detections.Take(max).ToArray() : detections.ToArray();
        if (selected.Length > batcher.QueueCapacity)
        {
            throw new TooManyFacesException(selected.Length, batcher.QueueCapacity);
        }

        started = Stopwatch.GetTimestamp();
        var crops = Array.ConvertAll(selected, face => FaceAligner.Align(image, face.Landmarks.ToArray(), cropSize));
        observer?.FacesAligned(Stopwatch.GetElapsedTime(started), crops.Length);
        return new AlignedImage(image.Width, image.Height, detections.Count, selected, crops);
    }

    private Image<Rgb24> Decode(IdentifiedImage identified, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var image = decoder.Decode(identified);
        observer?.ImageDecoded(Stopwatch.GetElapsedTime(started));
        if (cancellationToken.IsCancellationRequested)
        {
            image.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
        }

        return image;
    }

    /// <summary>What the compute stage hands on: the image's size, its faces and their crops.</summary>
    /// <param name="Width">Width after EXIF orientation.</param>
    /// <param name="Height">Height after EXIF orientation.</param>
    /// <param name="FacesFound">Faces the detector found, before any <see cref="AnalysisRequest.MaxFaces"/> cut.</param>
    /// <param name="Detections">Where each crop's face is; null for an aligned crop.</param>
    /// <param name="Crops">The faces to embed, largest first.</param>
    private sealed record AlignedImage(int Width, int Height, int FacesFound, DetectedFace[]? Detections, AlignedFace[] Crops);
}
