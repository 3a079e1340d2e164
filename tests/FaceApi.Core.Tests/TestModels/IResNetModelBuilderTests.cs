using FaceApi.Testing;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FaceApi.Core.Tests.TestModels;

public sealed class IResNetModelBuilderTests
{
    private const int FaceSide = 112;
    private const int EmbeddingSize = 512;

    [Fact]
    public void Tiny_model_loads_with_the_dynamic_batch_contract_of_w600k_r50()
    {
        using var session = new InferenceSession(IResNetModelBuilder.Build(IResNetSpec.Tiny).ToByteArray());

        var input = Assert.Single(session.InputMetadata);
        Assert.Equal("input.1", input.Key);
        Assert.Equal(TensorElementType.Float, input.Value.ElementDataType);
        Assert.Equal([-1, 3, FaceSide, FaceSide], input.Value.Dimensions);
        Assert.Equal("None", input.Value.SymbolicDimensions[0]);
        var output = Assert.Single(session.OutputMetadata);
        Assert.Equal("683", output.Key);
        Assert.Equal([-1, EmbeddingSize], output.Value.Dimensions);
    }

    [Fact]
    public void Tiny_model_embeds_a_batch_of_three_faces_into_distinct_finite_vectors()
    {
        using var session = new InferenceSession(IResNetModelBuilder.Build(IResNetSpec.Tiny).ToByteArray());
        const int batch = 3;
        var pixels = NormalisedNoise(batch * 3 * FaceSide * FaceSide);
        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [batch, 3, FaceSide, FaceSide]);
        using var runOptions = new RunOptions();

        using var outputs = session.Run(runOptions, ["input.1"], [input], ["683"]);

        var embeddings = Assert.Single(outputs);
        Assert.Equal([batch, EmbeddingSize], embeddings.GetTensorTypeAndShape().Shape);
        var values = embeddings.GetTensorDataAsSpan<float>().ToArray();
        Assert.All(values, value => Assert.True(float.IsFinite(value)));
        var rows = values.Chunk(EmbeddingSize).ToArray();
        Assert.NotEqual(rows[0], rows[1]);
        Assert.NotEqual(rows[1], rows[2]);
    }

    [Fact]
    public void Fixed_batch_model_reports_batch_dimension_one()
    {
        var spec = IResNetSpec.Tiny with { BatchSize = 1 };
        using var session = new InferenceSession(IResNetModelBuilder.Build(spec).ToByteArray());

        Assert.Equal([1, 3, FaceSide, FaceSide], session.InputMetadata["input.1"].Dimensions);
        Assert.Equal([1, EmbeddingSize], session.OutputMetadata["683"].Dimensions);
    }

    [Fact]
    public void Names_and_sizes_follow_the_spec()
    {
        var spec = IResNetSpec.Tiny with { InputName = "data", OutputName = "fc1", InputSize = 64, EmbeddingSize = 128 };
        using var session = new InferenceSession(IResNetModelBuilder.Build(spec).ToByteArray());

        Assert.Equal([-1, 3, 64, 64], session.InputMetadata["data"].Dimensions);
        Assert.Equal([-1, 128], session.OutputMetadata["fc1"].Dimensions);
    }

    [Fact]
    public void Same_seed_gives_the_same_bytes_and_another_seed_other_weights()
    {
        var first = IResNetModelBuilder.Build(IResNetSpec.Tiny).ToByteArray();
        var again = IResNetModelBuilder.Build(IResNetSpec.Tiny).ToByteArray();
        var otherSeed = IResNetModelBuilder.Build(IResNetSpec.Tiny with { Seed = 1 }).ToByteArray();

        Assert.Equal(first, again);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void IResNet50_has_the_size_and_cost_of_w600k_r50()
    {
        var model = IResNetModelBuilder.Build(IResNetSpec.IResNet50);
        var graph = model.Proto.Graph;

        // Counted from the initializers' shapes, independently of the builder's own tally.
        var parameters = graph.Initializer.Sum(tensor => tensor.Dims.Aggregate(1L, (count, dim) => count * dim));
        // 43.6 M parameters and 12.6 GFLOP per face: ../shared/testdata/SOURCES.md for w600k_r50.onnx.
        Assert.Equal(43.6, Math.Round(parameters / 1e6, 1));
        Assert.Equal(parameters, model.ParameterCount);
        Assert.Equal(12.6, Math.Round(model.FlopsPerFace / 1e9, 1));
        // Stem + 2 per block in 3+4+14+3 blocks + one downsample per stage.
        Assert.Equal(1 + 2 * 24 + 4, graph.Node.Count(node => node.OpType == "Conv"));
    }

    [Fact]
    public void Input_size_that_the_stages_cannot_halve_evenly_is_refused()
    {
        Assert.Throws<ArgumentException>(() => IResNetModelBuilder.Build(IResNetSpec.Tiny with { InputSize = 100 }));
    }

    /// <summary>Pixels already normalised as (x - 127.5) / 127.5, i.e. in [-1, 1].</summary>
    private static float[] NormalisedNoise(int count)
    {
        var random = new Random(42);
        return Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }
}
