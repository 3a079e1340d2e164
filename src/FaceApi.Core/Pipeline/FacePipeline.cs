using System.Diagnostics;
using FaceApi.Core.Alignment;
using FaceApi.Core.Batching;
using FaceApi.Core.Detection;
using FaceApi.Core.Imaging;
using FaceApi.Core.Shedding;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Pipeline;

/// <summary>
/// Decode, detect, align, embed: the whole path from uploaded bytes to embeddings. Decoding,
/// detection and alignment run on the caller's thread; embedding goes through the batcher so that
/// faces of concurrent requests share model runs.
/// </summary>
/// <param name="decoder">Turns bytes into pixels within the configured limits.</param>
/// <param name="detector">Finds faces and their landmarks.</param>
/// <param name="batcher">Embeds aligned crops.</param>
/// <param name="cropSize">Side of the recognition model's square crop.</param>
/// <param name="observer">Receives stage timings; optional.</param>
/// <param name="shedder">Refuses images whose expected wait is too long; optional (none: every image waits its turn).</param>
public sealed class FacePipeline(
    ImageDecoder decoder,
    ScrfdDetector detector,
    IEmbeddingBatcher batcher,
    int cropSize,
    IPipelineObserver? observer = null,
    LoadShedder? shedder = null)
{
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
    /// Refuses at once when an image sent now would wait longer than allowed for the work queued ahead
    /// of it (<see cref="LoadShedder.RefuseIfOverloaded"/>); for callers that have not read the image yet.
    /// </summary>
    /// <param name="needsDetection">Whether the image will go through the detector (false for an aligned crop).</param>
    /// <exception cref="QueueFullException">The expected wait exceeds the limit.</exception>
    public void RefuseIfOverloaded(bool needsDetection) => shedder?.RefuseIfOverloaded(needsDetection, batcher);

    /// <summary>
    /// Reads and checks an image's header without decoding it, so the caller can admit the decode by its
    /// size (<see cref="IdentifiedImage.Pixels"/>) before paying for it.
    /// </summary>
    /// <exception cref="ImageDecodingException">The header is not that of a usable image within the limits.</exception>
    public IdentifiedImage Identify(ReadOnlyMemory<byte> encodedImage) => decoder.Identify(encodedImage);

    /// <summary>Analyses an image <see cref="Identify"/> accepted.</summary>
    /// <exception cref="ImageDecodingException">The pixel data is not usable.</exception>
    /// <exception cref="QueueFullException">The service is at capacity, or the image would wait too long.</exception>
    /// <exception cref="BatchTimeoutException">The model did not get to the faces in time.</exception>
    /// <exception cref="TooManyFacesException">More faces than the queue can ever hold.</exception>
    public async Task<FaceAnalysis> AnalyzeAsync(IdentifiedImage identified, AnalysisRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // Before any work, so that a refusal costs nothing and comes at once.
        shedder?.Admit(needsDetection: !request.Aligned, batcher);
        if (request.Aligned)
        {
            using var crop = Decode(identified, cancellationToken);
            var embedding = await batcher.EmbedAsync([FaceAligner.FromCrop(crop, cropSize)], cancellationToken).ConfigureAwait(false);
            return new FaceAnalysis(crop.Width, crop.Height, 1, [new AnalyzedFace(null, embedding[0])]);
        }

        var (image, detections) = await DecodeAndDetectAsync(identified, request, cancellationToken).ConfigureAwait(false);
        using (image)
        {
            var selected = request.MaxFaces is { } max ? detections.Take(max).ToArray() : detections.ToArray();
            if (selected.Length > batcher.QueueCapacity)
            {
                throw new TooManyFacesException(selected.Length, batcher.QueueCapacity);
            }

            var started = Stopwatch.GetTimestamp();
            var crops = Array.ConvertAll(selected, face => FaceAligner.Align(image, face.Landmarks.ToArray(), cropSize));
            observer?.FacesAligned(Stopwatch.GetElapsedTime(started), crops.Length);

            var embeddings = await batcher.EmbedAsync(crops, cancellationToken).ConfigureAwait(false);
            var faces = selected.Select((face, i) => new AnalyzedFace(face, embeddings[i])).ToArray();
            return new FaceAnalysis(image.Width, image.Height, detections.Count, faces);
        }
    }

    // The caller owns and disposes the image.
    private async Task<(Image<Rgb24> Image, IReadOnlyList<DetectedFace> Faces)> DecodeAndDetectAsync(
        IdentifiedImage identified, AnalysisRequest request, CancellationToken cancellationToken)
    {
        Image<Rgb24>? image = null;
        var found = 0;
        try
        {
            image = Decode(identified, cancellationToken);
            var started = Stopwatch.GetTimestamp();
            var detections = await detector.DetectAsync(image, cancellationToken).ConfigureAwait(false);
            observer?.FacesDetected(Stopwatch.GetElapsedTime(started), detections.Count);
            found = Math.Min(detections.Count, request.MaxFaces ?? int.MaxValue);
            return (image, detections);
        }
        catch
        {
            image?.Dispose();
            throw;
        }
        finally
        {
            // Detected, undecodable or abandoned: either way the image no longer waits for the detector.
            shedder?.DetectionFinished(facesToEmbed: found);
        }
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
}
