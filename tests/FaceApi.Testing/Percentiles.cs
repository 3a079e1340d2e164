namespace FaceApi.Testing;

/// <summary>Order statistics of measured samples.</summary>
public static class Percentiles
{
    /// <summary>
    /// The <paramref name="quantile"/> of <paramref name="samples"/> by the nearest-rank method (the
    /// smallest sample with at least that share of samples at or below it); NaN when there are none.
    /// </summary>
    public static double Of(IReadOnlyCollection<double> samples, double quantile)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
