using FaceApi.Testing;

namespace FaceApi.Soak;

/// <summary>Latencies and statuses of the requests that completed in one reporting window.</summary>
internal sealed class LatencyWindow
{
    private readonly List<double> _milliseconds = [];
    private readonly Dictionary<int, int> _statuses = [];

    public int Count => _milliseconds.Count;

    public int ServerErrors => _statuses.Where(s => s.Key >= 500).Sum(s => s.Value);

    public IReadOnlyDictionary<int, int> Statuses => _statuses;

    public void Add(double milliseconds, int status)
    {
        _milliseconds.Add(milliseconds);
        _statuses[status] = _statuses.GetValueOrDefault(status) + 1;
    }

    public void AddRange(LatencyWindow other)
    {
        _milliseconds.AddRange(other._milliseconds);
        foreach (var (status, count) in other._statuses)
        {
            _statuses[status] = _statuses.GetValueOrDefault(status) + count;
        }
    }

    /// <summary>The nearest-rank percentile, in milliseconds; 0 for an empty window.</summary>
    public double Percentile(double percent) => _milliseconds.Count == 0 ? 0 : Percentiles.Of(_milliseconds, percent / 100);

    public double Max => _milliseconds.Count == 0 ? 0 : _milliseconds.Max();
}
