using FaceApi.Testing;

namespace FaceApi.Benchmarks;

/// <summary>One HTTP cell: an upload kind at one concurrency against one service configuration.</summary>
/// <param name="Workload">aligned (112x112 JPEG crops, <c>/embed?aligned=true</c>) or photos (full photos, <c>/embed</c>).</param>
/// <param name="Batching">on (the configured MaxBatchSize) or off (MaxBatchSize 1).</param>
/// <param name="Concurrency">Requests in flight.</param>
/// <param name="Seconds">Length of the measured window.</param>
/// <param name="Requests">Successful requests completed in the window.</param>
/// <param name="Failures">Failed requests in the window, by HTTP status (0: no response).</param>
/// <param name="RequestsPerSecond">Successful requests per second.</param>
/// <param name="FacesPerSecond">Faces the service embedded per second (its faceapi_batch_size histogram).</param>
/// <param name="FacesPerCpuSecond">Faces per CPU-second of the service and the load generator together.</param>
/// <param name="MeanBatchSize">Faces per model run in the window.</param>
/// <param name="P50Milliseconds">Median latency of successful requests, as the client saw it.</param>
/// <param name="P95Milliseconds">95th percentile latency.</param>
/// <param name="P99Milliseconds">99th percentile latency.</param>
/// <param name="BatchStages">Mean milliseconds a batch spent in each stage in the window (the service's faceapi_batch_*_seconds and faceapi_inference_seconds).</param>
/// <param name="ServiceCpuMillisecondsPerRequest">CPU time the service process used in the window per successful request.</param>
/// <param name="AllocatedBytesPerRequest">The service's GC heap allocations in the window per successful request.</param>
/// <param name="ServiceCpuShare">Share of the machine's CPU capacity the service used.</param>
/// <param name="ClientCpuShare">Share used by this process (load generator).</param>
/// <param name="OtherCpuShare">Share used by every other process on the machine.</param>
internal sealed record CellResult(
    string Workload,
    string Batching,
    int Concurrency,
    double Seconds,
    int Requests,
    IReadOnlyDictionary<int, int> Failures,
    double RequestsPerSecond,
    double FacesPerSecond,
    double FacesPerCpuSecond,
    double MeanBatchSize,
    double P50Milliseconds,
    double P95Milliseconds,
    double P99Milliseconds,
    BatchStageMeans BatchStages,
    double ServiceCpuMillisecondsPerRequest,
    double AllocatedBytesPerRequest,
    double ServiceCpuShare,
    double ClientCpuShare,
    double OtherCpuShare)
{
    public static CellResult From(string workload, string batching, LoadMeasurement measurement)
    {
        var seconds = measurement.Seconds;
        var succeeded = measurement.Outcomes.Where(outcome => outcome.Succeeded).ToArray();
        var latencies = succeeded.Select(outcome => outcome.Latency.TotalMilliseconds).ToArray();
        var failures = measurement.Outcomes.Where(outcome => !outcome.Succeeded)
            .GroupBy(outcome => outcome.Status)
            .ToDictionary(group => group.Key, group => group.Count());
        var before = measurement.Before;
        var after = measurement.After;
        var faces = after.Counters.BatchedFaces - before.Counters.BatchedFaces;
        var batches = after.Counters.Batches - before.Counters.Batches;
        var capacity = seconds * Environment.ProcessorCount;
        var service = (after.ServiceCpu - before.ServiceCpu).TotalSeconds;
        var client = (after.ClientCpu - before.ClientCpu).TotalSeconds;
        var machine = (after.MachineBusy - before.MachineBusy).TotalSeconds;
        return new CellResult(
            workload,
            batching,
            measurement.Concurrency,
            seconds,
            succeeded.Length,
            failures,
            succeeded.Length / seconds,
            faces / seconds,
            faces / (service + client),
            batches > 0 ? faces / batches : double.NaN,
            Percentiles.Of(latencies, 0.50),
            Percentiles.Of(latencies, 0.95),
            Percentiles.Of(latencies, 0.99),
            BatchStageMeans.Between(before.Counters, after.Counters),
            succeeded.Length > 0 ? service * 1000 / succeeded.Length : double.NaN,
            succeeded.Length > 0 ? (after.Counters.AllocatedBytes - before.Counters.AllocatedBytes) / succeeded.Length : double.NaN,
            service / capacity,
            client / capacity,
            machine > 0 ? Math.Max(0, machine - service - client) / capacity : double.NaN);
    }
}
