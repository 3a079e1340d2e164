namespace FaceApi.Core.Pipeline;

/// <summary>Receives per-stage timings of the face pipeline (the host publishes them as metrics).</summary>
public interface IPipelineObserver
{
    /// <summary>An image was decoded.</summary>
    void ImageDecoded(TimeSpan elapsed);

    /// <summary>Detection ran and found <paramref name="faces"/> faces.</summary>
    void FacesDetected(TimeSpan elapsed, int faces);

    /// <summary>Crops were cut for <paramref name="faces"/> faces.</summary>
    void FacesAligned(TimeSpan elapsed, int faces);

    /// <summary>An image was refused because its expected wait, <paramref name="expectedWait"/>, was too long.</summary>
    void RequestShed(TimeSpan expectedWait);
}
