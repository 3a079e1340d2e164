using System.Globalization;

namespace FaceApi.Benchmarks;

/// <summary>
/// Counters read from the service's <c>/metrics</c>: bytes its GC heap has allocated (the runtime's
/// <c>System.Runtime</c> meter, i.e. <c>GC.GetTotalAllocatedBytes()</c> inside the service) and the
/// batch-size histogram's sum and count. Missing series read as NaN.
/// </summary>
internal sealed record ServerCounters(double AllocatedBytes, double BatchedFaces, double Batches)
{
    private const string AllocatedMetric = "system_runtime_dotnet_gc_heap_total_allocated";
    private const string BatchSizeSum = "faceapi_batch_size_sum";
    private const string BatchSizeCount = "faceapi_batch_size_count";

    public static async Task<ServerCounters> ReadAsync(HttpClient client, Uri service)
    {
        var text = await client.GetStringAsync(new Uri(service, "/metrics"));
        double allocated = double.NaN, faces = double.NaN, batches = double.NaN;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            allocated = ValueOf(line, AllocatedMetric) ?? allocated;
            faces = ValueOf(line, BatchSizeSum) ?? faces;
            batches = ValueOf(line, BatchSizeCount) ?? batches;
        }

        return new ServerCounters(allocated, faces, batches);
    }

    private static double? ValueOf(string line, string metric) =>
        line.StartsWith(metric + " ", StringComparison.Ordinal)
            ? double.Parse(line.AsSpan(metric.Length + 1), NumberStyles.Float, CultureInfo.InvariantCulture)
            : null;
}
