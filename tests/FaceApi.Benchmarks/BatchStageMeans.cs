using System.Globalization;

namespace FaceApi.Benchmarks;

/// <summary>
/// Mean milliseconds per batch in each stage between two readings of the service's counters:
/// gathering, hand-off to an inference thread, the model run, and the way back to the requests.
/// Where the time of a slow batch goes is what tells issue 12's hypotheses apart.
/// </summary>
internal sealed record BatchStageMeans(double Gather, double Dispatch, double Run, double Respond)
{
    public static BatchStageMeans Between(ServerCounters before, ServerCounters after)
    {
        var means = ServerCounters.BatchStages.Select(stage =>
        {
            var seconds = after.Value(stage.Histogram + "_sum") - before.Value(stage.Histogram + "_sum");
            var count = after.Value(stage.Histogram + "_count") - before.Value(stage.Histogram + "_count");
            return count > 0 ? seconds * 1000 / count : double.NaN;
        }).ToArray();
        return new BatchStageMeans(means[0], means[1], means[2], means[3]);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Gather:0.00} / {Dispatch:0.00} / {Run:0.00} / {Respond:0.00}");
}
