using FaceApi.Testing.Onnx;
using Google.Protobuf;
using static FaceApi.Testing.Onnx.OnnxGraphBuilder;

namespace FaceApi.Testing;

/// <summary>
/// Builds a recognition model with w600k_r50.onnx's contract (input "input.1" float32 [N,3,112,112]
/// with a dynamic batch, output "683" float32 [N,512]) that costs almost nothing to run: each
/// channel's mean times a fixed 3x512 matrix. With it the service's own per-request cost (HTTP,
/// decoding, batching, serialisation) is what a benchmark measures, as it would be on a GPU that runs
/// the real model in a few milliseconds per batch.
/// </summary>
public static class NearFreeRecognitionModelBuilder
{
    // w600k_r50's names and sizes, as the IResNet-50 twin has them.
    private static readonly IResNetSpec Contract = IResNetSpec.IResNet50;

    public static int EmbeddingSize => Contract.EmbeddingSize;

    /// <summary>Returns the serialized model, the same bytes on every call.</summary>
    public static byte[] Build()
    {
        var graph = new OnnxGraphBuilder("near-free-recognition");
        var batch = TensorDimension.Symbolic("None");
        graph.AddInput(Contract.InputName, batch, 3, Contract.InputSize, Contract.InputSize);
        // [N,3,112,112] -> [N,3]: one multiply-add per input value, about 38 kFLOP a face (IResNet-50: 12.6 GFLOP).
        var means = graph.AddNode("ReduceMean", "mean", [Contract.InputName], IntsAttribute("axes", 2, 3), IntAttribute("keepdims", 0));
        // Different crops give different directions, so embeddings still tell inputs apart.
        var projection = new SeededRandom(0).Normal(3 * EmbeddingSize, 0, 1);
        graph.AddNamedNode("MatMul", Contract.OutputName, [means, graph.AddWeight("proj", projection, 3, EmbeddingSize)]);
        graph.AddOutput(Contract.OutputName, batch, EmbeddingSize);
        return graph.ToModel("near-free-recognition").ToByteArray();
    }
}
