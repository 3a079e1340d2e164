using System.Diagnostics;
using FaceApi.Core.Inference;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace FaceApi.Benchmarks;

/// <summary>
/// The model alone: <c>InferenceSession.Run</c> on sessions made by the service's own
/// <see cref="InferenceSessionPool"/> (so the same SessionOptions), one loop per pooled session as
/// the batcher would drive them, input already in an <see cref="OrtValue"/>. No HTTP, no decoding.
/// </summary>
internal static class RawModelBenchmark
{
    public static IReadOnlyList<RawResult> Run(string modelPath, InferenceOptions inference, IReadOnlyList<int> batchSizes, TimeSpan duration, Action<string> log)
    {
        using var pool = InferenceSessionPool.Load(modelPath, inference, NullLogger.Instance);
        var metadata = pool.Metadata;
        var inputName = metadata.InputNames[0];
        var outputName = metadata.OutputNames[0];
        var inputShape = metadata.InputMetadata[inputName].Dimensions;
        var embeddingSize = metadata.OutputMetadata[outputName].Dimensions[1];
        var faceLength = 3 * inputShape[2] * inputShape[3];
        var fixedBatch = inputShape[0] > 0 ? inputShape[0] : (int?)null;
        var threads = inference.CpuIntraOpThreads > 0 ? inference.CpuIntraOpThreads : Math.Max(1, Environment.ProcessorCount / inference.PoolSize);

        var results = new List<RawResult>();
        foreach (var batch in batchSizes)
        {
            if (fixedBatch is { } only && only != batch)
            {
                log($"raw: skipping batch {batch}, the model's batch dimension is fixed at {only}");
                continue;
            }

            var cpuBefore = CpuTimes.Take();
            var loops = Enumerable.Range(0, pool.Size)
                .Select(_ => Task.Run(async () =>
                {
                    using var lease = await pool.RentAsync(CancellationToken.None);
                    return MeasureSession(lease.Session, inputName, outputName, [batch, 3, inputShape[2], inputShape[3]], faceLength, embeddingSize, duration);
                }))
                .ToArray();
            Task.WaitAll(loops);
            var otherCpu = CpuTimes.Take().OtherShareSince(cpuBefore);
            var runs = loops.Sum(loop => loop.Result.Runs);
            var seconds = loops.Max(loop => loop.Result.Elapsed.TotalSeconds);
            var runTimes = loops.SelectMany(loop => loop.Result.RunMilliseconds).ToArray();
            var result = new RawResult(batch, pool.Provider.ToString(), pool.Size, threads, runs, runs * batch / seconds, Percentiles.Of(runTimes, 0.5), otherCpu);
            log($"raw: batch {batch,3}: {result.FacesPerSecond,8:0.00} faces/s ({runs} runs, median run {result.MedianRunMilliseconds:0.0} ms)");
            results.Add(result);
        }

        return results;
    }

    private static SessionMeasurement MeasureSession(InferenceSession session, string inputName, string outputName, long[] shape, int faceLength, long embeddingSize, TimeSpan duration)
    {
        var batch = (int)shape[0];
        // Any input of the right shape costs the same; zeros are a mid-grey crop after normalisation.
        var input = new float[batch * faceLength];
        var output = new float[batch * embeddingSize];
        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, shape);
        using var outputValue = OrtValue.CreateTensorValueFromMemory(output, [batch, embeddingSize]);
        using var runOptions = new RunOptions();
        string[] inputNames = [inputName];
        string[] outputNames = [outputName];
        OrtValue[] inputs = [inputValue];
        OrtValue[] outputs = [outputValue];

        // One unmeasured run: ONNX Runtime allocates and plans per shape on the first run.
        session.Run(runOptions, inputNames, inputs, outputNames, outputs);

        // At least two runs, so one slow run does not stand for the batch size.
        var runTimes = new List<double>();
        var started = Stopwatch.GetTimestamp();
        while (runTimes.Count < 2 || Stopwatch.GetElapsedTime(started) < duration)
        {
            var runStarted = Stopwatch.GetTimestamp();
            session.Run(runOptions, inputNames, inputs, outputNames, outputs);
            runTimes.Add(Stopwatch.GetElapsedTime(runStarted).TotalMilliseconds);
        }

        return new SessionMeasurement(runTimes.Count, Stopwatch.GetElapsedTime(started), runTimes);
    }

    private sealed record SessionMeasurement(int Runs, TimeSpan Elapsed, IReadOnlyList<double> RunMilliseconds);

    /// <summary>This process's and the machine's CPU time at one instant.</summary>
    private sealed record CpuTimes(long Timestamp, TimeSpan Own, TimeSpan Machine)
    {
        public static CpuTimes Take()
        {
            using var self = Process.GetCurrentProcess();
            return new CpuTimes(Stopwatch.GetTimestamp(), self.TotalProcessorTime, MachineCpu.BusyTime());
        }

        /// <summary>Share of the machine's capacity that other processes used since <paramref name="earlier"/>.</summary>
        public double OtherShareSince(CpuTimes earlier)
        {
            var capacity = Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp).TotalSeconds * Environment.ProcessorCount;
            var machine = (Machine - earlier.Machine).TotalSeconds;
            return machine > 0 ? Math.Max(0, machine - (Own - earlier.Own).TotalSeconds) / capacity : double.NaN;
        }
    }
}
