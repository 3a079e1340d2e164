using FaceApi.Core.Batching;
using FaceApi.Core.Pipeline;

namespace FaceApi.Metrics;

/// <summary>Publishes the pipeline's and the batcher's measurements as Prometheus metrics.</summary>
public sealed class PipelineMetricsObserver : IPipelineObserver, IBatcherObserver
{
    private readonly Prometheus.Histogram.Child _inference;

    /// <param name="model">Recognition model name, a label of the inference histogram.</param>
    /// <param name="provider">Execution provider in use, a label of the inference histogram.</param>
    public PipelineMetricsObserver(string model, string provider)
    {
        _inference = ServiceMetrics.Inference.WithLabels(model, provider);

        // Every rejection reason starts at 0: a series that first appears at 1 has no earlier sample,
        // so rate() and increase() (and the rejections alert) would miss the first rejection.
        foreach (var reason in (string[])[RejectionReason.QueueFull, RejectionReason.Timeout, RejectionReason.Cancelled, RejectionReason.ExpectedWait, RejectionReason.ConcurrencyLimit, RejectionReason.RateLimited])
        {
            ServiceMetrics.Rejections.WithLabels(reason);
        }
    }

    public void ImageDecoded(TimeSpan elapsed) => ServiceMetrics.ImageDecode.Observe(elapsed.TotalSeconds);

    public void FacesDetected(TimeSpan elapsed, int faces)
    {
        ServiceMetrics.Detection.Observe(elapsed.TotalSeconds);
        ServiceMetrics.FacesDetected.Inc(faces);
    }

    public void FacesAligned(TimeSpan elapsed, int faces) => ServiceMetrics.Alignment.Observe(elapsed.TotalSeconds);

    public void BatchStarted(TimeSpan gather, TimeSpan dispatch)
    {
        ServiceMetrics.BatchGather.Observe(gather.TotalSeconds);
        ServiceMetrics.BatchDispatch.Observe(dispatch.TotalSeconds);
    }

    public void BatchDelivered(TimeSpan sinceRunEnd) => ServiceMetrics.BatchDeliver.Observe(sinceRunEnd.TotalSeconds);

    public void RequestShed(TimeSpan expectedWait) => ServiceMetrics.Rejections.WithLabels(RejectionReason.ExpectedWait).Inc();

    public void BatchCompleted(int size, TimeSpan inference)
    {
        _inference.Observe(inference.TotalSeconds);
        ServiceMetrics.BatchSize.Observe(size);
        ServiceMetrics.FacesEmbedded.Inc(size);
    }

    public void FaceDequeued(TimeSpan wait) => ServiceMetrics.QueueWait.Observe(wait.TotalSeconds);

    public void FacesRejected(string reason, int count) => ServiceMetrics.Rejections.WithLabels(reason).Inc(count);
}
