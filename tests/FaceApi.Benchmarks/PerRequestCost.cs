using FaceApi.Testing;

namespace FaceApi.Benchmarks;

/// <summary>
/// The median of several interleaved runs at one batching setting and concurrency: one run on a
/// shared two-core machine can be off by half when another process wakes up (issue 11 saw 1.25 to
/// 3.1 ms a request for the same build), the median of three taken in turns is stable to a few percent.
/// </summary>
internal sealed record PerRequestCost(
    string Batching,
    int Concurrency,
    int Runs,
    double RequestsPerSecond,
    double ServiceCpuMillisecondsPerRequest,
    double AllocatedBytesPerRequest,
    double P50Milliseconds,
    double P99Milliseconds,
    double OtherCpuShare)
{
    public static IReadOnlyList<PerRequestCost> Medians(IReadOnlyList<CellResult> runs) => runs
        .GroupBy(run => (run.Batching, run.Concurrency))
        .Select(group => new PerRequestCost(
            group.Key.Batching,
            group.Key.Concurrency,
            group.Count(),
            Median(group, run => run.RequestsPerSecond),
            Median(group, run => run.ServiceCpuMillisecondsPerRequest),
            Median(group, run => run.AllocatedBytesPerRequest),
            Median(group, run => run.P50Milliseconds),
            Median(group, run => run.P99Milliseconds),
            Median(group, run => run.OtherCpuShare)))
        .ToArray();

    private static double Median(IEnumerable<CellResult> runs, Func<CellResult, double> figure) =>
        Percentiles.Of(runs.Select(figure).ToArray(), 0.5);
}
