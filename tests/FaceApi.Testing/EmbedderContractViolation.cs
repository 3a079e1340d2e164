namespace FaceApi.Testing;

/// <summary>
/// Ways a model can break the embedder contract of w600k_r50.onnx (one float32 input [N,3,S,S],
/// one float32 output [N,D]) while still being a valid ONNX model that ONNX Runtime loads.
/// </summary>
public enum EmbedderContractViolation
{
    /// <summary>Input [N,1,112,112]: a grayscale network.</summary>
    SingleChannelInput,

    /// <summary>Input [N,112,112]: no channel axis.</summary>
    Rank3Input,

    /// <summary>Input [N,3,112,96]: alignment produces square crops only.</summary>
    NonSquareInput,

    /// <summary>Two inputs [N,3,112,112]: a caller could not know what to feed the second.</summary>
    TwoInputs,

    /// <summary>Output [N,1,512]: not one embedding per face.</summary>
    Rank3Output,

    /// <summary>Input [N,3,100,100]: square, but no ArcFace landmark template fits a 100-pixel crop.</summary>
    CropWithoutTemplate,
}
