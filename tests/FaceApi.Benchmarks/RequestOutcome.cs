namespace FaceApi.Benchmarks;

/// <summary>One answered request: when it completed (a Stopwatch timestamp), how long it took, its HTTP status (0: no response).</summary>
internal readonly record struct RequestOutcome(long CompletedAt, TimeSpan Latency, int Status)
{
    public bool Succeeded => Status is >= 200 and < 300;
}
