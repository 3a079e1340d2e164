namespace FaceApi.Benchmarks;

/// <summary>Everything one run measured, as written to the JSON file.</summary>
internal sealed record BenchmarkReport(
    MachineDescription Machine,
    ModelDescription Model,
    IReadOnlyDictionary<string, string> ServiceSettings,
    double WarmUpSeconds,
    double DurationSeconds,
    IReadOnlyList<RawResult> Raw,
    IReadOnlyList<CellResult> Http,
    BenchmarkSummary? Summary)
{
    /// <summary>Medians of the near-free runs (<c>--near-free</c>), by batching and concurrency; empty otherwise.</summary>
    public IReadOnlyList<PerRequestCost> PerRequestCost { get; init; } = [];
}

/// <summary>Where the run happened.</summary>
internal sealed record MachineDescription(string Cpu, int LogicalCores, string OperatingSystem, string Runtime, string OnnxRuntime, DateTimeOffset StartedAt)
{
    public static MachineDescription Current() => new(
        CpuModelName(),
        Environment.ProcessorCount,
        System.Runtime.InteropServices.RuntimeInformation.OSDescription,
        System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
        typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version?.ToString(3) ?? "unknown",
        DateTimeOffset.UtcNow);

    private static string CpuModelName()
    {
        const string CpuInfo = "/proc/cpuinfo";
        var line = File.Exists(CpuInfo) ? File.ReadLines(CpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim() ?? "unknown";
    }
}

/// <summary>The recognition model measured; parameters and FLOP are known when the benchmark built it.</summary>
internal sealed record ModelDescription(string Name, string Path, bool Built, long? Parameters, long? FlopsPerFace);

/// <summary>The figures issue 4's targets are stated in.</summary>
/// <param name="RawBestFacesPerSecond">Best raw throughput over the batch sizes.</param>
/// <param name="RawBestBatchSize">The batch size that gave it.</param>
/// <param name="AlignedC16FacesPerSecond">Aligned /embed at concurrency 16, batching on.</param>
/// <param name="EndToEndOverRaw">Their ratio; target at least 0.90.</param>
/// <param name="BatchingOffC16FacesPerSecond">Aligned /embed at concurrency 16 with MaxBatchSize 1.</param>
/// <param name="BatchingSpeedup">On over off; target at least 1.25.</param>
/// <param name="P99OverP50">p99 / p50 of aligned /embed at concurrency 16; target below 4.</param>
/// <param name="EndToEndOverRawPerCpuSecond">
/// Faces per CPU-second of aligned /embed at c=16 (service and load generator) over the raw model's at
/// the batch size the service ran: the same ratio with the CPU share each got factored out, which
/// matters on a machine shared with other work.
/// </param>
/// <param name="AllocatedBytesPerRequest">Service heap allocations per aligned request at concurrency 16.</param>
internal sealed record BenchmarkSummary(
    double RawBestFacesPerSecond,
    int RawBestBatchSize,
    double AlignedC16FacesPerSecond,
    double EndToEndOverRaw,
    double BatchingOffC16FacesPerSecond,
    double BatchingSpeedup,
    double P99OverP50,
    double EndToEndOverRawPerCpuSecond,
    double AllocatedBytesPerRequest)
{
    public const double EndToEndTarget = 0.90;
    public const double SpeedupTarget = 1.25;
    public const double TailTarget = 4.0;

    public bool EndToEndMet => EndToEndOverRaw >= EndToEndTarget;

    public bool SpeedupMet => BatchingSpeedup >= SpeedupTarget;

    public bool TailMet => P99OverP50 < TailTarget;
}
