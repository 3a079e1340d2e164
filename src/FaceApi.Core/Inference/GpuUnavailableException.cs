namespace FaceApi.Core.Inference;

/// <summary>CUDA was required (<see cref="InferenceOptions.RequireGpu"/>) but could not be loaded.</summary>
public sealed class GpuUnavailableException(string reason)
    : Exception($"A GPU is required (FaceApi:Inference:RequireGpu) but the CUDA provider could not be loaded: {reason}")
{
    /// <summary>Why CUDA could not be used, as ONNX Runtime reported it.</summary>
    public string Reason { get; } = reason;
}
