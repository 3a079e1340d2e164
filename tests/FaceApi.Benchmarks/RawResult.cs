namespace FaceApi.Benchmarks;

/// <summary>Raw model throughput at one batch size.</summary>
/// <param name="BatchSize">Faces per <c>Run</c>.</param>
/// <param name="Provider">Execution provider the sessions ran on.</param>
/// <param name="Sessions">Sessions run in parallel (the service's pool size).</param>
/// <param name="IntraOpThreads">Intra-op threads per session.</param>
/// <param name="Runs">Measured runs, all sessions together.</param>
/// <param name="FacesPerSecond">Faces embedded per second, all sessions together.</param>
/// <param name="FacesPerCpuSecond">Faces per CPU-second this process used: throughput with the CPU share it got factored out.</param>
/// <param name="MedianRunMilliseconds">Median time of one <c>Run</c>.</param>
/// <param name="OtherCpuShare">Share of the machine's CPU capacity that other processes used meanwhile.</param>
internal sealed record RawResult(int BatchSize, string Provider, int Sessions, int IntraOpThreads, int Runs, double FacesPerSecond, double FacesPerCpuSecond, double MedianRunMilliseconds, double OtherCpuShare);
