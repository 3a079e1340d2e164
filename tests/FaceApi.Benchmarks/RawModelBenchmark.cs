using System.Diagnostics;
using FaceApi.Core.Alignment;
using FaceApi.Core.Inference;
using FaceApi.Core.Recognition;
using FaceApi.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace FaceApi.Benchmarks;

/// <summary>
/// The model alone: <c>InferenceSession.Run</c> on sessions made by the service's own
/// <see cref="InferenceSessionPool"/> (so the same SessionOptions), one loop per pooled session as
/// the batcher would drive them, input (the HTTP cells' aligned crops) already in an <see cref="OrtValue"/>.
/// No HTTP, no decoding.
/// Batch sizes take turns in rounds, so a burst of load from other processes on a shared machine
/// spreads over all of them instead of falsifying one.
/// </summary>
internal static class RawModelBenchmark
{
    private const int Rounds = 3;

    public static IReadOnlyList<RawResult> Run(string modelPath, InferenceOptions inference, RecognitionOptions recognition, IReadOnlyList<AlignedFace> faces,
        IReadOnlyList<int> batchSizes, TimeSpan duration, Action<string> log)
    {
        using var pool = InferenceSessionPool.Load(modelPath, inference, NullLogger.Instance);
        var metadata = pool.Metadata;
        var inputName = metadata.InputNames[0];
        var outputName = metadata.OutputNames[0];
        var inputShape = metadata.InputMetadata[inputName].Dimensions;
        var fixedBatch = inputShape[0] > 0 ? inputShape[0] : (int?)null;
        var threads = inference.CpuIntraOpThreads > 0 ? inference.CpuIntraOpThreads : Math.Max(1, Environment.ProcessorCount / inference.PoolSize);
        var sizes = batchSizes.Where(size => fixedBatch is null || fixedBatch == size).Distinct().ToArray();
        foreach (var skipped in batchSizes.Except(sizes))
        {
            log($"raw: skipping batch {skipped}, the model's batch dimension is fixed at {fixedBatch}");
        }

        var leases = Enumerable.Range(0, pool.Size).Select(_ => pool.RentAsync(CancellationToken.None).AsTask().Result).ToArray();
        var sessions = leases.Select(lease => sizes.Select(size => new BatchRunner(lease.Session, inputName, outputName, inputShape, size, metadata.OutputMetadata[outputName].Dimensions[1], faces, recognition)).ToArray()).ToArray();
        try
        {
            // One unmeasured run per shape and session: ONNX Runtime plans and allocates on the first.
            Parallel.ForEach(sessions, runners => Array.ForEach(runners, runner => runner.RunOnce()));

            var totals = sizes.Select(_ => new Totals()).ToArray();
            for (var round = 0; round < Rounds; round++)
            {
                for (var s = 0; s < sizes.Length; s++)
                {
                    var before = CpuTimes.Take();
                    var started = Stopwatch.GetTimestamp();
                    var index = s;
                    Parallel.ForEach(sessions, new ParallelOptions { MaxDegreeOfParallelism = sessions.Length }, runners => runners[index].RunFor(duration / Rounds));
                    var after = CpuTimes.Take();
                    totals[s].Add(Stopwatch.GetElapsedTime(started), (after.Own - before.Own).TotalSeconds, after.OtherSecondsSince(before));
                }
            }

            var results = new List<RawResult>();
            for (var s = 0; s < sizes.Length; s++)
            {
                var runs = sessions.Sum(runners => runners[s].RunMilliseconds.Count);
                var runTimes = sessions.SelectMany(runners => runners[s].RunMilliseconds).ToArray();
                var seconds = totals[s].Elapsed.TotalSeconds;
                var result = new RawResult(sizes[s], pool.Provider.ToString(), pool.Size, threads, runs, runs * sizes[s] / seconds,
                    runs * sizes[s] / totals[s].OwnCpuSeconds, Percentiles.Of(runTimes, 0.5), totals[s].OtherCpuSeconds / (seconds * Environment.ProcessorCount));
                log($"raw: batch {result.BatchSize,3}: {result.FacesPerSecond,8:0.00} faces/s ({runs} runs, median run {result.MedianRunMilliseconds:0.0} ms, other processes {result.OtherCpuShare:P0} CPU)");
                results.Add(result);
            }

            return results;
        }
        finally
        {
            foreach (var runner in sessions.SelectMany(runners => runners))
            {
                runner.Dispose();
            }

            foreach (var lease in leases)
            {
                lease.Dispose();
            }
        }
    }

    /// <summary>Runs one session at one batch size with preallocated input and output.</summary>
    private sealed class BatchRunner : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly RunOptions _runOptions = new();
        private readonly string[] _inputNames;
        private readonly string[] _outputNames;
        private readonly OrtValue[] _inputs;
        private readonly OrtValue[] _outputs;

        public BatchRunner(InferenceSession session, string inputName, string outputName, int[] inputShape, int batch, long embeddingSize,
            IReadOnlyList<AlignedFace> faces, RecognitionOptions recognition)
        {
            _session = session;
            _inputNames = [inputName];
            _outputNames = [outputName];
            // Real crops, written as the service writes them (TestImages.AlignedJpegCropPixels says why not zeros).
            if (inputShape[2] != faces[0].Size || inputShape[3] != faces[0].Size)
            {
                throw new ArgumentException($"The model takes {inputShape[3]}x{inputShape[2]} crops; the benchmark's are {faces[0].Size}x{faces[0].Size}.");
            }

            var faceLength = 3 * inputShape[2] * inputShape[3];
            var input = new float[batch * faceLength];
            for (var i = 0; i < batch; i++)
            {
                ArcFaceEmbedder.WriteTensor(faces[i % faces.Count], input.AsSpan(i * faceLength, faceLength), recognition);
            }

            _inputs = [OrtValue.CreateTensorValueFromMemory(input, [batch, 3, inputShape[2], inputShape[3]])];
            _outputs = [OrtValue.CreateTensorValueFromMemory(new float[batch * embeddingSize], [batch, embeddingSize])];
        }

        public List<double> RunMilliseconds { get; } = [];

        public void RunOnce() => _session.Run(_runOptions, _inputNames, _inputs, _outputNames, _outputs);

        /// <summary>Runs until <paramref name="duration"/> has passed, at least once.</summary>
        public void RunFor(TimeSpan duration)
        {
            var started = Stopwatch.GetTimestamp();
            do
            {
                var runStarted = Stopwatch.GetTimestamp();
                RunOnce();
                RunMilliseconds.Add(Stopwatch.GetElapsedTime(runStarted).TotalMilliseconds);
            }
            while (Stopwatch.GetElapsedTime(started) < duration);
        }

        public void Dispose()
        {
            _inputs[0].Dispose();
            _outputs[0].Dispose();
            _runOptions.Dispose();
        }
    }

    private sealed class Totals
    {
        public TimeSpan Elapsed { get; private set; }

        public double OwnCpuSeconds { get; private set; }

        public double OtherCpuSeconds { get; private set; }

        public void Add(TimeSpan elapsed, double ownCpuSeconds, double otherCpuSeconds)
        {
            Elapsed += elapsed;
            OwnCpuSeconds += ownCpuSeconds;
            OtherCpuSeconds += otherCpuSeconds;
        }
    }

    /// <summary>This process's and the machine's CPU time at one instant.</summary>
    private sealed record CpuTimes(TimeSpan Own, TimeSpan Machine)
    {
        public static CpuTimes Take()
        {
            using var self = Process.GetCurrentProcess();
            return new CpuTimes(self.TotalProcessorTime, MachineCpu.BusyTime());
        }

        /// <summary>CPU seconds that other processes used since <paramref name="earlier"/>.</summary>
        public double OtherSecondsSince(CpuTimes earlier) =>
            Math.Max(0, (Machine - earlier.Machine).TotalSeconds - (Own - earlier.Own).TotalSeconds);
    }
}
