namespace FaceApi.Core.Inference;

/// <summary>An ONNX Runtime execution provider that a session may run on.</summary>
public enum ExecutionProvider
{
    /// <summary>NVIDIA CUDA (needs CUDA 13 and cuDNN 9 libraries at run time for ONNX Runtime 1.31).</summary>
    Cuda,

    /// <summary>The default CPU provider, always available.</summary>
    Cpu,
}
