using Microsoft.ML.OnnxRuntime;

namespace FaceApi.Core.Recognition;

/// <summary>
/// The input and output memory of one recognition run with the <see cref="OrtValue"/>s over it,
/// made once and reused: creating and pinning two <c>OrtValue</c>s and a <see cref="RunOptions"/>
/// for every run is work (and garbage) each batch would otherwise repeat. A dynamic-batch model
/// runs batches of any size, so values are kept per run size over the same memory.
/// </summary>
internal sealed class RunTensors : IDisposable
{
    private readonly int _faceLength;
    private readonly int _embeddingSize;
    private readonly int _cropSize;
    private float[] _input = [];
    private float[] _output = [];
    private Dictionary<int, (OrtValue Input, OrtValue Output)> _values = [];

    public RunTensors(int cropSize, int embeddingSize)
    {
        _cropSize = cropSize;
        _faceLength = 3 * cropSize * cropSize;
        _embeddingSize = embeddingSize;
    }

    public RunOptions Options { get; } = new();

    /// <summary>The input of a run of <paramref name="runSize"/> crops (NCHW), growing the memory when it is too small.</summary>
    public Span<float> Input(int runSize)
    {
        if (runSize * _faceLength > _input.Length)
        {
            Grow(runSize);
        }

        return _input.AsSpan(0, runSize * _faceLength);
    }

    /// <summary>How many crops the memory holds now.</summary>
    internal int Capacity => _input.Length / _faceLength;

    /// <summary>The run's output, [runSize, D] row-major.</summary>
    public ReadOnlySpan<float> Output(int runSize) => _output.AsSpan(0, runSize * _embeddingSize);

    /// <summary>The input and output values of a run of <paramref name="runSize"/>; call <see cref="Input"/> first.</summary>
    public (OrtValue Input, OrtValue Output) Values(int runSize)
    {
        if (!_values.TryGetValue(runSize, out var values))
        {
            values = (
                OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _input.AsMemory(0, runSize * _faceLength), [runSize, 3, _cropSize, _cropSize]),
                OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _output.AsMemory(0, runSize * _embeddingSize), [runSize, _embeddingSize]));
            _values[runSize] = values;
        }

        return values;
    }

    public void Dispose()
    {
        DisposeValues();
        Options.Dispose();
    }

    private void Grow(int runSize)
    {
        DisposeValues();
        _values = [];
        // The next power of two, so a dynamic batch growing face by face (1, 2, 3 … 32) reallocates
        // log2 times (1, 2, 4 … 32) rather than once per size: pinned arrays are never compacted, and
        // each one left behind fragments the pinned-object heap. The cost is at most twice the memory
        // of the largest run, which the batcher caps at its MaxBatchSize.
        var capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)runSize);
        // Pinned-object heap: ONNX Runtime reads and writes this memory in place for as long as the
        // values live, so it must never move.
        _input = GC.AllocateUninitializedArray<float>(capacity * _faceLength, pinned: true);
        _output = GC.AllocateUninitializedArray<float>(capacity * _embeddingSize, pinned: true);
    }

    private void DisposeValues()
    {
        foreach (var (input, output) in _values.Values)
        {
            input.Dispose();
            output.Dispose();
        }
    }
}
