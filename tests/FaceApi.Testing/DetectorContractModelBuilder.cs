using FaceApi.Testing.Onnx;
using Google.Protobuf;
using static FaceApi.Testing.Onnx.OnnxGraphBuilder;

namespace FaceApi.Testing;

/// <summary>
/// Builds small models that ONNX Runtime loads and runs but that are not SCRFD detectors with
/// keypoints, for tests that check the detector refuses them at load time: one input
/// [1,3,H,W] with a dynamic canvas, and outputs [1,k] whose last dimensions the test chooses
/// (SCRFD's are 1 for scores, 4 for boxes, 10 for keypoints, three strides each).
/// </summary>
public static class DetectorContractModelBuilder
{
    /// <summary>Returns the serialized model with one output per entry of <paramref name="outputWidths"/>.</summary>
    public static byte[] Build(params int[] outputWidths)
    {
        var graph = new OnnxGraphBuilder("detector-contract");
        graph.AddInput("input.1", 1, 3, TensorDimension.Symbolic("height"), TensorDimension.Symbolic("width"));
        // The image's mean, one value per sample: the smallest graph that runs on any canvas.
        var mean = graph.AddNode("ReduceMean", "mean", ["input.1"], IntsAttribute("axes", 1, 2, 3), IntAttribute("keepdims", 1));
        var flat = graph.AddNode("Flatten", "flat", [mean], IntAttribute("axis", 1));
        var random = new SeededRandom(0);
        for (var i = 0; i < outputWidths.Length; i++)
        {
            var output = $"out{i}";
            graph.AddNamedNode("Gemm", output, [flat, graph.AddWeight("w", random.Normal(outputWidths[i], 0, 1), outputWidths[i], 1)], IntAttribute("transB", 1));
            graph.AddOutput(output, 1, outputWidths[i]);
        }

        return graph.ToModel("detector-contract").ToByteArray();
    }
}
