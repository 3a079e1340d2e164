using System.Globalization;
using System.Text;

namespace FaceApi.Benchmarks;

/// <summary>The report as Markdown tables, ready to paste into a README.</summary>
internal static class ReportTable
{
    public static string Format(BenchmarkReport report)
    {
        var text = new StringBuilder();
        var machine = report.Machine;
        Line(text, $"Machine: {machine.Cpu}, {machine.LogicalCores} logical cores, {machine.OperatingSystem}; {machine.Runtime}; ONNX Runtime {machine.OnnxRuntime}");
        var model = report.Model;
        Line(text, model switch
        {
            { Built: true, FlopsPerFace: { } flops } => $"Model: {model.Name} built by the benchmark ({model.Parameters / 1e6:0.0} M parameters, {flops / 1e9:0.0} GFLOP/face)",
            { Built: true } => $"Model: {model.Name}, built by the benchmark",
            _ => $"Model: {model.Path}",
        });
        Line(text, string.Empty);

        if (report.PerRequestCost.Count > 0)
        {
            FormatPerRequestCost(text, report);
            return text.ToString();
        }

        Line(text, "Raw model (InferenceSession.Run, service session options, no HTTP)");
        Line(text, string.Empty);
        Line(text, "| batch | faces/s | faces/CPU-s | median run (ms) | sessions x intra-op threads | provider | other processes' CPU |");
        Line(text, "|---:|---:|---:|---:|---|---|---:|");
        foreach (var raw in report.Raw)
        {
            Line(text, $"| {raw.BatchSize} | {raw.FacesPerSecond:0.00} | {raw.FacesPerCpuSecond:0.00} | {raw.MedianRunMilliseconds:0.0} | {raw.Sessions} x {raw.IntraOpThreads} | {raw.Provider} | {raw.OtherCpuShare:P0} |");
        }

        if (report.Http.Count > 0)
        {
            Line(text, string.Empty);
            Line(text, $"HTTP /embed on loopback ({report.DurationSeconds:0} s measured after {report.WarmUpSeconds:0} s warm-up per row; CPU as share of all cores)");
            Line(text, string.Empty);
            Line(text, "| upload | batching | c | req/s | faces/s | faces/CPU-s | mean batch | p50 ms | p95 ms | p99 ms | batch ms gather / dispatch / run / respond | service CPU ms/req | KB alloc/req | failures | CPU service / client / other |");
            Line(text, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
            foreach (var cell in report.Http)
            {
                Line(text, $"| {cell.Workload} | {cell.Batching} | {cell.Concurrency} | {cell.RequestsPerSecond:0.00} | {cell.FacesPerSecond:0.00} | {cell.FacesPerCpuSecond:0.00} | {cell.MeanBatchSize:0.0} | {cell.P50Milliseconds:0} | {cell.P95Milliseconds:0} | {cell.P99Milliseconds:0} | {cell.BatchStages} | {cell.ServiceCpuMillisecondsPerRequest:0.00} | {cell.AllocatedBytesPerRequest / 1024:0} | {Failures(cell)} | {cell.ServiceCpuShare:P0} / {cell.ClientCpuShare:P0} / {cell.OtherCpuShare:P0} |");
            }
        }

        if (report.Summary is { } summary)
        {
            Line(text, string.Empty);
            Line(text, "| target (issue 4) | measured | met |");
            Line(text, "|---|---:|---|");
            Line(text, $"| aligned c=16 / raw best ({summary.RawBestFacesPerSecond:0.00} faces/s at batch {summary.RawBestBatchSize}) >= {BenchmarkSummary.EndToEndTarget:0.00} | {summary.EndToEndOverRaw:0.00} ({summary.AlignedC16FacesPerSecond:0.00} faces/s) | {YesNo(summary.EndToEndMet)} |");
            Line(text, $"| batching on / off at c=16 >= {BenchmarkSummary.SpeedupTarget:0.00} | {summary.BatchingSpeedup:0.00} (off: {summary.BatchingOffC16FacesPerSecond:0.00} faces/s) | {YesNo(summary.SpeedupMet)} |");
            Line(text, $"| p99 / p50 at c=16 < {BenchmarkSummary.TailTarget:0} | {summary.P99OverP50:0.00} | {YesNo(summary.TailMet)} |");
            Line(text, $"| (same, per CPU-second: aligned c=16 / raw at the batch size it ran) | {summary.EndToEndOverRawPerCpuSecond:0.00} | |");
            Line(text, $"| service heap allocation per aligned request at c=16 | {summary.AllocatedBytesPerRequest / 1024:0} KB | |");
        }

        return text.ToString();
    }

    /// <summary>Each near-free run in the order it ran, then the medians the target is stated in.</summary>
    private static void FormatPerRequestCost(StringBuilder text, BenchmarkReport report)
    {
        Line(text, $"Per-request cost: aligned 112x112 PNG crops, multipart, /embed?aligned=true ({report.DurationSeconds:0} s measured after {report.WarmUpSeconds:0} s warm-up per run; CPU as share of all cores)");
        Line(text, string.Empty);
        Line(text, "| run | batching | c | req/s | service CPU ms/req | KB alloc/req | mean batch | batch ms gather / dispatch / run / respond | p50 ms | p99 ms | failures | CPU service / client / other |");
        Line(text, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        var run = 0;
        foreach (var cell in report.Http)
        {
            Line(text, $"| {++run} | {cell.Batching} | {cell.Concurrency} | {cell.RequestsPerSecond:0} | {cell.ServiceCpuMillisecondsPerRequest:0.00} | {cell.AllocatedBytesPerRequest / 1024:0.0} | {cell.MeanBatchSize:0.0} | {cell.BatchStages} | {cell.P50Milliseconds:0} | {cell.P99Milliseconds:0} | {Failures(cell)} | {cell.ServiceCpuShare:P0} / {cell.ClientCpuShare:P0} / {cell.OtherCpuShare:P0} |");
        }

        Line(text, string.Empty);
        Line(text, "| median of runs | c | req/s | service CPU ms/req | KB alloc/req | p50 ms | p99 ms | other processes' CPU |");
        Line(text, "|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var median in report.PerRequestCost)
        {
            Line(text, $"| batching {median.Batching} ({median.Runs} runs) | {median.Concurrency} | {median.RequestsPerSecond:0} | {median.ServiceCpuMillisecondsPerRequest:0.00} | {median.AllocatedBytesPerRequest / 1024:0.0} | {median.P50Milliseconds:0} | {median.P99Milliseconds:0} | {median.OtherCpuShare:P0} |");
        }
    }

    private static string Failures(CellResult cell) => cell.Failures.Count == 0 ? "0" : string.Join(' ', cell.Failures.Select(f => $"{f.Value}x{f.Key}"));

    private static string YesNo(bool met) => met ? "yes" : "NO";

    private static void Line(StringBuilder text, string line) => text.Append(CultureInfo.InvariantCulture, $"{line}\n");
}
