using Prometheus;

namespace FaceApi.Metrics;

/// <summary>
/// Every metric the service publishes at <c>/metrics</c>. Names follow Prometheus conventions
/// (snake_case, <c>faceapi_</c> prefix, unit suffix); labels are few and bounded.
/// </summary>
public static class ServiceMetrics
{
    // Bucket bounds are powers of two seconds, so 1 s, the p99 target of the latency alert
    // (deploy/prometheus/alerts.yml), is a bound and histogram_quantile is exact where it matters.
    //
    // Measured on the 2-core CI machine with the test models (SCRFD-2.5G, MobileFaceNet) on CPU,
    // 48 sequential /embed requests over the 16 photos of shared/testdata/faces, while other builds
    // kept the load average at 17-25; upper bounds of the p50 / p95 / slowest buckets:
    //   decode 64 ms / 1.02 s / 8.2 s (group_10mpx.jpg, 10 MP);  detection 512 ms / 1.02 s / 2.05 s;
    //   alignment 4 ms / 256 ms / 512 ms;  queue wait 128 ms / 1.02 s / 1.02 s;
    //   inference (one face a run) 32 ms / 64 ms / 128 ms;  whole request 640 ms / 2.56 s / 10.2 s.
    // With 50 aligned requests at concurrency 8 on a tiny IResNet (IResNetSpec.Tiny), 5 of 50 queue
    // waits were under 0.49 ms and 6 of 32 runs took 1-2 ms. The shipped models cost far more a run
    // on CPU (w600k_r50: 12.6 GFLOP a face, SOURCES.md) and far less on a GPU. Hence stages get
    // 0.49 ms (2^-11 s) to 16 s (2^4 s): sub-millisecond waits and millisecond runs stay apart, and a
    // 10 MP decode on a loaded CPU still lands below +Inf.
    private static readonly double[] StageBuckets = Histogram.ExponentialBuckets(1.0 / 2048, 2, 16);

    // Whole requests: 7.8 ms (2^-7 s, below every request measured here) to 32 s (2^5 s), just above the
    // batcher's default 30 s RequestTimeout, so requests that time out fall in a finite bucket.
    private static readonly double[] RequestBuckets = Histogram.ExponentialBuckets(1.0 / 128, 2, 13);

    public static readonly Histogram RequestDuration = Prometheus.Metrics.CreateHistogram(
        "faceapi_request_seconds", "Time to answer a face request, by endpoint.",
        new HistogramConfiguration { LabelNames = ["endpoint"], Buckets = RequestBuckets });

    /// <summary>Times a request into <see cref="RequestDuration"/>; the start-up warm-up's requests are no traffic and are not timed.</summary>
    public static IDisposable? TimeRequest(HttpContext context, string endpoint) =>
        Hosting.WarmUpRequests.IsWarmUp(context) ? null : RequestDuration.WithLabels(endpoint).NewTimer();

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

    // Whole numbers up to 256, the largest FaceApi:Batching:MaxBatchSize accepts (BatchingOptions);
    // powers of two because the defaults (8 on CPU, 32 on GPU) and the warm-up sizes are powers of two.
    // Average batch size = faceapi_batch_size_sum / faceapi_batch_size_count.
    public static readonly Histogram BatchSize = Prometheus.Metrics.CreateHistogram(
        "faceapi_batch_size", "Faces per recognition model run.",
        new HistogramConfiguration { Buckets = [1, 2, 4, 8, 16, 32, 64, 128, 256] });

    // A batch's way through the batcher, one stage a histogram (the run itself is faceapi_inference_seconds),
    // so one load run shows where a batch's time goes. Measured with a near-free model at 64 clients
    // on the 2-core machine while other builds took 80% of it: gathering 99% under 61 us (the queue
    // was never empty) and at most 125 ms; the hand-off to the inference thread 122 us to 250 ms
    // (median about 16 ms); the way back to the requests 2 ms to 500 ms (median about 30 ms). On an
    // H200 a batch's run takes 2 to 9 ms and the unexplained stall of issue 12 was 100 to 130 ms.
    // Hence 61 us (2^-14 s) to 4 s (2^2 s): a quiet machine's tens of microseconds and a stall of
    // a tenth of a second both fall in finite buckets of their own.
    private static readonly double[] BatchStageBuckets = Histogram.ExponentialBuckets(1.0 / 16384, 2, 17);

    public static readonly Histogram BatchGather = Prometheus.Metrics.CreateHistogram(
        "faceapi_batch_gather_seconds", "Time from taking a batch's first face off the queue until the batch closed (full, or MaxQueueDelay passed).",
        new HistogramConfiguration { Buckets = BatchStageBuckets });

    public static readonly Histogram BatchDispatch = Prometheus.Metrics.CreateHistogram(
        "faceapi_batch_dispatch_seconds", "Time from a batch closing until its model run started on an inference thread.",
        new HistogramConfiguration { Buckets = BatchStageBuckets });

    public static readonly Histogram BatchDeliver = Prometheus.Metrics.CreateHistogram(
        "faceapi_batch_respond_seconds", "Time from a batch's model run ending until the last of its requests had its embeddings back.",
        new HistogramConfiguration { Buckets = BatchStageBuckets });

    public static readonly Counter FacesEmbedded = Prometheus.Metrics.CreateCounter(
        "faceapi_faces_embedded_total", "Faces the recognition model computed.");

    public static readonly Gauge QueueDepth = Prometheus.Metrics.CreateGauge(
        "faceapi_queue_depth", "Faces waiting in the batch queue.");

    public static readonly Gauge QueueCapacity = Prometheus.Metrics.CreateGauge(
        "faceapi_queue_capacity", "Faces the batch queue can hold.");

    public static readonly Counter Rejections = Prometheus.Metrics.CreateCounter(
        "faceapi_rejections_total", "Work refused or dropped, by the limit that refused it (reason): faces for queue_full, timeout and cancelled; requests or images for the others.",
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
