using FaceApi.Core.Batching;
using FaceApi.Core.Pipeline;

namespace FaceApi.Metrics;

/// <summary>Publishes the pipeline's and the batcher's measurements as Prometheus metrics.</summary>
/// <param name="model">Recognition model name, a label of the inference histogram.</param>
/// <param name="provider">Execution provider in use, a label of the inference histogram.</param>
public sealed class PipelineMetricsObserver(string model, string provider) : IPipelineObserver, IBatcherObserver
{
    private readonly Prometheus.Histogram.Child _inference = ServiceMetrics.Inference.WithLabels(model, provider);

    public void ImageDecoded(TimeSpan elapsed) => ServiceMetrics.ImageDecode.Observe(elapsed.TotalSeconds);

    public void FacesDetected(TimeSpan elapsed, int faces)
    {
        ServiceMetrics.Detection.Observe(elapsed.TotalSeconds);
        ServiceMetrics.FacesDetected.Inc(faces);
    }

    public void FacesAligned(TimeSpan elapsed, int faces) => ServiceMetrics.Alignment.Observe(elapsed.TotalSeconds);

    public void BatchCompleted(int size, TimeSpan inference)
    {
        _inference.Observe(inference.TotalSeconds);
        ServiceMetrics.BatchSize.Observe(size);
        ServiceMetrics.FacesEmbedded.Inc(size);
    }

    public void FaceDequeued(TimeSpan wait) => ServiceMetrics.QueueWait.Observe(wait.TotalSeconds);

    public void FacesRejected(string reason, int count) => ServiceMetrics.Rejections.WithLabels(reason).Inc(count);
}
