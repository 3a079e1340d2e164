namespace FaceApi.Benchmarks;

/// <summary>What a load generator saw in its measured window, with the resource snapshots bounding it.</summary>
internal sealed record LoadMeasurement(int Concurrency, ResourceSnapshot Before, ResourceSnapshot After, IReadOnlyList<RequestOutcome> Outcomes)
{
    public double Seconds => System.Diagnostics.Stopwatch.GetElapsedTime(Before.Timestamp, After.Timestamp).TotalSeconds;
}
