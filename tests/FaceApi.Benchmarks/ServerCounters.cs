using System.Globalization;

namespace FaceApi.Benchmarks;

/// <summary>
/// Counters read from the service's <c>/metrics</c>: bytes its GC heap has allocated (the runtime's
/// <c>System.Runtime</c> meter, i.e. <c>GC.GetTotalAllocatedBytes()</c> inside the service), the
/// batch-size histogram's sum and count, and the sums and counts of the per-batch stage histograms.
/// Labelled series are added up over their labels. Missing series read as NaN.
/// </summary>
internal sealed record ServerCounters(IReadOnlyDictionary<string, double> Values)
{
    private const string AllocatedMetric = "system_runtime_dotnet_gc_heap_total_allocated";
    private const string BatchSizeSum = "faceapi_batch_size_sum";
    private const string BatchSizeCount = "faceapi_batch_size_count";

    /// <summary>A batch's stages in order, as (label, histogram); the run is the inference histogram.</summary>
    public static readonly IReadOnlyList<(string Stage, string Histogram)> BatchStages =
    [
        ("gather", "faceapi_batch_gather_seconds"),
        ("dispatch", "faceapi_batch_dispatch_seconds"),
        ("run", "faceapi_inference_seconds"),
        ("respond", "faceapi_batch_respond_seconds"),
    ];

    private static readonly string[] Wanted =
        [AllocatedMetric, BatchSizeSum, BatchSizeCount, .. BatchStages.SelectMany(stage => (string[])[stage.Histogram + "_sum", stage.Histogram + "_count"])];

    public double AllocatedBytes => Value(AllocatedMetric);

    public double BatchedFaces => Value(BatchSizeSum);

    public double Batches => Value(BatchSizeCount);

    public static async Task<ServerCounters> ReadAsync(HttpClient client, Uri service)
    {
        var text = await client.GetStringAsync(new Uri(service, "/metrics"));
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var nameEnd = line.IndexOfAny([' ', '{']);
            var valueStart = line.LastIndexOf(' ');
            if (nameEnd <= 0 || valueStart <= 0 || !Wanted.Contains(line[..nameEnd]))
            {
                continue;
            }

            var value = double.Parse(line.AsSpan(valueStart + 1), NumberStyles.Float, CultureInfo.InvariantCulture);
            values[line[..nameEnd]] = values.GetValueOrDefault(line[..nameEnd]) + value;
        }

        return new ServerCounters(values);
    }

    public double Value(string series) => Values.TryGetValue(series, out var value) ? value : double.NaN;
}
