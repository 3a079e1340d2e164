namespace FaceApi.Tests.Hardening;

/// <summary>
/// Tests that time requests or measure the process's memory run alone, after the parallel ones,
/// so other tests' work on the two cores does not blur their figures.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial: timing and memory";
}
