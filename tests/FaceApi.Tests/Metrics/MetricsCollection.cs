namespace FaceApi.Tests.Metrics;

/// <summary>
/// Tests that read prometheus-net's default registry. It is process-wide, so every host in the test
/// process adds to the same series; these tests compare before/after deltas and must not run while
/// any other test sends requests. xUnit runs a collection with parallelization disabled on its own,
/// after the parallel ones.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Process-wide Prometheus registry";
}
