using Prometheus;

namespace FaceApi.Metrics;

/// <summary>
/// Every metric the service publishes at <c>/metrics</c>. Names follow Prometheus conventions
/// (snake_case, <c>faceapi_</c> prefix, unit suffix); labels are few and bounded.
/// </summary>
public static class ServiceMetrics
{
    // Stage latencies span 1 ms (decoding a small crop) to several seconds (a 40 MP photo under load);
    // 14 exponential buckets from 1 ms doubling reach 8.2 s.
    private static readonly double[] StageBuckets = Histogram.ExponentialBuckets(0.001, 2, 14);

    // Whole requests: 5 ms to about 20 s.
    private static readonly double[] RequestBuckets = Histogram.ExponentialBuckets(0.005, 2, 13);

    public static readonly Histogram RequestDuration = Prometheus.Metrics.CreateHistogram(
        "faceapi_request_seconds", "Time to answer a face request, by endpoint.",
        new HistogramConfiguration { LabelNames = ["endpoint"], Buckets = RequestBuckets });

    public static readonly Histogram ImageDecode = Prometheus.Metrics.CreateHistogram(
        "faceapi_image_decode_seconds", "Time to decode an uploaded image.",
        new HistogramConfiguration { Buckets = StageBuckets });

    public static readonly Histogram Detection = Prometheus.Metrics.CreateHistogram(
        "faceapi_detection_seconds", "Time to detect faces in one image (letterbox and model run).",
        new HistogramConfiguration { Buckets = StageBuckets });

    public static readonly Histogram Alignment = Prometheus.Metrics.CreateHistogram(
        "faceapi_alignment_seconds", "Time to cut the aligned crops of one image.",
        new HistogramConfiguration { Buckets = StageBuckets });

    public static readonly Histogram QueueWait = Prometheus.Metrics.CreateHistogram(
        "faceapi_queue_wait_seconds", "Time a face waited in the batch queue before its batch started.",
        new HistogramConfiguration { Buckets = StageBuckets });

    public static readonly Histogram Inference = Prometheus.Metrics.CreateHistogram(
        "faceapi_inference_seconds", "Time of one recognition model run (one batch).",
        new HistogramConfiguration { LabelNames = ["model", "provider"], Buckets = StageBuckets });

    // Batch sizes are whole numbers up to the largest MaxBatchSize we ship (32 on GPU); powers of two
    // show how full batches are.
    public static readonly Histogram BatchSize = Prometheus.Metrics.CreateHistogram(
        "faceapi_batch_size", "Faces per recognition model run.",
        new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256] });

    public static readonly Counter FacesEmbedded = Prometheus.Metrics.CreateCounter(
        "faceapi_faces_embedded_total", "Faces the recognition model computed.");

    public static readonly Gauge QueueDepth = Prometheus.Metrics.CreateGauge(
        "faceapi_queue_depth", "Faces waiting in the batch queue.");

    public static readonly Gauge QueueCapacity = Prometheus.Metrics.CreateGauge(
        "faceapi_queue_capacity", "Faces the batch queue can hold.");

    public static readonly Counter Rejections = Prometheus.Metrics.CreateCounter(
        "faceapi_rejections_total", "Faces refused or dropped by the batcher, by reason.",
        new CounterConfiguration { LabelNames = ["reason"] });

    public static readonly Counter FacesDetected = Prometheus.Metrics.CreateCounter(
        "faceapi_faces_detected_total", "Faces the detector found.");

    public static readonly Counter RequestsWithoutFace = Prometheus.Metrics.CreateCounter(
        "faceapi_requests_without_face_total", "Requests answered no_face.");

    public static readonly Counter Errors = Prometheus.Metrics.CreateCounter(
        "faceapi_errors_total", "Problem responses, by problem code.",
        new CounterConfiguration { LabelNames = ["code"] });

    public static readonly Gauge ModelInfo = Prometheus.Metrics.CreateGauge(
        "faceapi_model_info", "Always 1; labels describe the loaded recognition model and where it runs.",
        new GaugeConfiguration { LabelNames = ["model", "dimension", "provider", "onnxruntime_version"] });

    public static readonly Gauge Ready = Prometheus.Metrics.CreateGauge(
        "faceapi_ready", "1 when the models are loaded and warmed and the service takes requests.");
}
