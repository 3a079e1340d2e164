using FaceApi.Testing.Onnx;
using Google.Protobuf;
using static FaceApi.Testing.Onnx.OnnxGraphBuilder;

namespace FaceApi.Testing;

/// <summary>
/// Builds small models that ONNX Runtime loads and runs but whose inputs or outputs break the
/// embedder contract in exactly one way, for tests that check such a model is refused at load time.
/// Apart from the violation they keep w600k_r50.onnx's names, dynamic batch and 512-d output.
/// </summary>
public static class ContractViolatingModelBuilder
{
    private const int InputSize = 112;
    private const int EmbeddingSize = 512;
    private const string InputName = "input.1";
    private const string OutputName = "683";
    private static readonly TensorDimension Batch = TensorDimension.Symbolic("None");

    /// <summary>
    /// Returns the serialized model. Its network averages the input to one value per sample and
    /// maps it to the embedding with a fully connected layer: the smallest graph that runs on
    /// every input shape here, since only the contract matters to the tests.
    /// </summary>
    public static byte[] Build(EmbedderContractViolation violation)
    {
        var graph = new OnnxGraphBuilder($"contract-violation-{violation}");
        TensorDimension[] inputShape = violation switch
        {
            EmbedderContractViolation.SingleChannelInput => [Batch, 1, InputSize, InputSize],
            EmbedderContractViolation.Rank3Input => [Batch, InputSize, InputSize],
            EmbedderContractViolation.NonSquareInput => [Batch, 3, InputSize, 96],
            EmbedderContractViolation.TwoInputs or EmbedderContractViolation.Rank3Output => [Batch, 3, InputSize, InputSize],
            // InsightFace's templates are for multiples of 112 or 128 pixels (ArcFaceTemplate).
            EmbedderContractViolation.CropWithoutTemplate => [Batch, 3, 100, 100],
            _ => throw new ArgumentOutOfRangeException(nameof(violation), violation, "Unknown contract violation."),
        };

        graph.AddInput(InputName, inputShape);
        var x = InputName;
        if (violation == EmbedderContractViolation.TwoInputs)
        {
            const string secondInput = "input.2";
            graph.AddInput(secondInput, inputShape);
            x = graph.AddNode("Add", "add", [x, secondInput]);
        }

        var nonBatchAxes = Enumerable.Range(1, inputShape.Length - 1).Select(axis => (long)axis).ToArray();
        var mean = graph.AddNode("ReduceMean", "mean", [x], IntsAttribute("axes", nonBatchAxes), IntAttribute("keepdims", 1));
        var flat = graph.AddNode("Flatten", "flat", [mean], IntAttribute("axis", 1));
        var random = new SeededRandom(0);
        string[] fcInputs = [flat, graph.AddWeight("fcW", random.Normal(EmbeddingSize, 0, 1), EmbeddingSize, 1)];

        if (violation == EmbedderContractViolation.Rank3Output)
        {
            var embedding = graph.AddNode("Gemm", "fc", fcInputs, IntAttribute("transB", 1));
            graph.AddNamedNode("Unsqueeze", OutputName, [embedding], IntsAttribute("axes", 1));
            graph.AddOutput(OutputName, Batch, 1, EmbeddingSize);
        }
        else
        {
            graph.AddNamedNode("Gemm", OutputName, fcInputs, IntAttribute("transB", 1));
            graph.AddOutput(OutputName, Batch, EmbeddingSize);
        }

        return graph.ToModel("contract-violation").ToByteArray();
    }
}
