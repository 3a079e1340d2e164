using System.ComponentModel.DataAnnotations;

namespace FaceApi.Core.Inference;

/// <summary>Settings of ONNX Runtime's CUDA execution provider (names as in its documentation).</summary>
public sealed class CudaProviderOptions
{
    /// <summary>GPU ordinal.</summary>
    [Range(0, 64)]
    public int DeviceId { get; set; }

    /// <summary>
    /// cuDNN convolution algorithm search: <c>EXHAUSTIVE</c>, <c>HEURISTIC</c> or <c>DEFAULT</c>.
    /// HEURISTIC by default: EXHAUSTIVE benchmarks every new input shape, and a dynamic batcher
    /// produces many batch sizes, so the first request of each size would stall.
    /// </summary>
    [RegularExpression("^(EXHAUSTIVE|HEURISTIC|DEFAULT)$")]
    public string CudnnConvAlgoSearch { get; set; } = "HEURISTIC";

    /// <summary>
    /// Arena growth: <c>kNextPowerOfTwo</c> or <c>kSameAsRequested</c>. The latter keeps GPU memory
    /// close to what the model needs, which matters when several replicas share a card.
    /// </summary>
    [RegularExpression("^(kNextPowerOfTwo|kSameAsRequested)$")]
    public string ArenaExtendStrategy { get; set; } = "kSameAsRequested";

    /// <summary>Upper bound of the CUDA arena in bytes; 0 leaves ONNX Runtime's default (no limit).</summary>
    [Range(0, long.MaxValue)]
    public long GpuMemoryLimitBytes { get; set; }
}
