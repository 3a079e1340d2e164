namespace FaceApi.Core.Shedding;

/// <summary>
/// A running average that favours recent samples (an exponentially weighted moving average), used to
/// estimate how long a stage takes to serve one item. Thread-safe; cheap enough to update on every run.
/// </summary>
/// <remarks>
/// Each sample moves the average a fifth of the way (weight 0.2; TCP's smoothed round-trip time uses
/// 1/8, RFC 6298, 2.3): about the last ten samples count, so the estimate follows a machine that slows
/// under load within a few runs, while one outlier (a page fault, a garbage collection) moves it little.
/// </remarks>
public sealed class ExponentialMovingAverage
{
    private const double Weight = 0.2;

    // Writers take turns; readers take no lock. The writers are compute and inference threads, which
    // work below the request threads' priority (Scheduling.ComputeThreadPriority): one preempted inside
    // a lock the refusal path also needed would hold a refusal up behind it.
    private readonly Lock _update = new();
    private double _value;
    private bool _sampled;

    /// <summary>The average; zero until the first sample.</summary>
    public double Value => Volatile.Read(ref _value);

    /// <summary>Adds a sample.</summary>
    public void Add(double sample)
    {
        lock (_update)
        {
            // The first sample is taken whole, so the average does not climb from zero.
            Volatile.Write(ref _value, _sampled ? _value + (Weight * (sample - _value)) : sample);
            _sampled = true;
        }
    }
}
