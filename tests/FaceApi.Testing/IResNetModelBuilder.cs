using FaceApi.Testing.Onnx;
using static FaceApi.Testing.Onnx.OnnxGraphBuilder;

namespace FaceApi.Testing;

/// <summary>
/// Builds an ONNX model with the architecture of InsightFace's IResNet (the network inside
/// w600k_r50.onnx) and random weights, node for node as ../shared/tools/make_iresnet50.py does.
/// Inference cost depends on the architecture, not on weight values, so it stands in for the real
/// model in tests and benchmarks; its embeddings are meaningless as identities.
/// </summary>
public sealed class IResNetModelBuilder
{
    // PyTorch's BatchNorm2d default epsilon, which InsightFace's iresnet.py keeps.
    private const float BatchNormEpsilon = 1e-5f;
    // PyTorch's PReLU default initial slope.
    private const float PReluInitialSlope = 0.25f;

    private readonly OnnxGraphBuilder _graph = new("iresnet");
    private readonly SeededRandom _random;
    private long _flops;

    private IResNetModelBuilder(int seed) => _random = new SeededRandom(seed);

    public static IResNetModel Build(IResNetSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        var builder = new IResNetModelBuilder(spec.Seed);
        var proto = builder.BuildGraph(spec).ToModel("iresnet-shape-twin");
        return new IResNetModel(proto, builder._graph.ParameterCount, builder._flops);
    }

    private OnnxGraphBuilder BuildGraph(IResNetSpec spec)
    {
        TensorDimension batch = spec.BatchSize is { } size ? size : TensorDimension.Symbolic("None");
        _graph.AddInput(spec.InputName, batch, 3, spec.InputSize, spec.InputSize);

        var side = spec.InputSize;
        var channels = spec.StageWidths[0];
        var x = Conv(spec.InputName, 3, channels, kernel: 3, stride: 1, ref side);
        x = PRelu(BatchNorm(x, channels), channels);

        for (var stage = 0; stage < spec.Layers.Count; stage++)
        {
            var width = spec.StageWidths[stage];
            for (var block = 0; block < spec.Layers[stage]; block++)
            {
                // IResNet downsamples in the first block of every stage, the first stage included.
                x = ResidualBlock(x, channels, width, stride: block == 0 ? 2 : 1, ref side);
                channels = width;
            }
        }

        x = BatchNorm(x, channels);
        var flat = _graph.AddNode("Flatten", "flat", [x], IntAttribute("axis", 1));
        var features = channels * side * side;
        // Normal with std sqrt(1 / fan_in), as make_iresnet50.py draws the fully connected weights.
        var fcWeight = _random.Normal(spec.EmbeddingSize * features, 0, Math.Sqrt(1.0 / features));
        var embedding = _graph.AddNamedNode("Gemm", _graph.NewName("fc"), [
            flat,
            _graph.AddWeight("fcW", fcWeight, spec.EmbeddingSize, features),
            _graph.AddWeight("fcB", new float[spec.EmbeddingSize], spec.EmbeddingSize),
        ], IntAttribute("transB", 1));
        _flops += 2L * features * spec.EmbeddingSize;

        // InsightFace ends with BatchNorm1d on the embedding (the "features" layer); its output is not L2-normalised.
        // Scale drawn as make_iresnet50.py does; zero shift and mean, unit variance.
        _graph.AddNamedNode("BatchNormalization", spec.OutputName, [
            embedding,
            _graph.AddWeight("g", _random.Uniform(spec.EmbeddingSize, 0.8, 1.2), spec.EmbeddingSize),
            _graph.AddWeight("b", new float[spec.EmbeddingSize], spec.EmbeddingSize),
            _graph.AddWeight("m", new float[spec.EmbeddingSize], spec.EmbeddingSize),
            _graph.AddWeight("v", Ones(spec.EmbeddingSize), spec.EmbeddingSize),
        ], FloatAttribute("epsilon", BatchNormEpsilon));
        _graph.AddOutput(spec.OutputName, batch, spec.EmbeddingSize);
        return _graph;
    }

    /// <summary>IBasicBlock: BN, conv3x3, BN, PReLU, conv3x3 (stride), BN, plus a 1x1 conv + BN on the identity when the shape changes.</summary>
    private string ResidualBlock(string input, int inChannels, int outChannels, int stride, ref int side)
    {
        var inputSide = side;
        var y = Conv(BatchNorm(input, inChannels), inChannels, outChannels, kernel: 3, stride: 1, ref side);
        y = PRelu(BatchNorm(y, outChannels), outChannels);
        y = BatchNorm(Conv(y, outChannels, outChannels, kernel: 3, stride, ref side), outChannels);

        var identity = input;
        if (stride != 1 || inChannels != outChannels)
        {
            identity = BatchNorm(Conv(input, inChannels, outChannels, kernel: 1, stride, ref inputSide), outChannels);
        }

        return _graph.AddNode("Add", "add", [y, identity]);
    }

    /// <summary>Convolution with He-normal weights (std sqrt(2 / fan_in), He et al. 2015) and "same" padding, no bias.</summary>
    private string Conv(string input, int inChannels, int outChannels, int kernel, int stride, ref int side)
    {
        var fanIn = inChannels * kernel * kernel;
        var weight = _random.Normal(outChannels * fanIn, 0, Math.Sqrt(2.0 / fanIn));
        var output = _graph.AddNamedNode("Conv", _graph.NewName("conv"), [input, _graph.AddWeight("W", weight, outChannels, inChannels, kernel, kernel)],
            IntsAttribute("kernel_shape", kernel, kernel),
            IntsAttribute("strides", stride, stride),
            IntsAttribute("pads", kernel / 2, kernel / 2, kernel / 2, kernel / 2));
        side /= stride;
        _flops += 2L * fanIn * outChannels * side * side;
        return output;
    }

    /// <summary>
    /// Inference-mode batch norm with statistics near identity (the ranges of make_iresnet50.py), so
    /// activations stay in a realistic range through 50 layers.
    /// </summary>
    private string BatchNorm(string input, int channels) =>
        _graph.AddNamedNode("BatchNormalization", _graph.NewName("bn"), [
            input,
            _graph.AddWeight("g", _random.Uniform(channels, 0.8, 1.2), channels),
            _graph.AddWeight("b", _random.Normal(channels, 0, 0.05), channels),
            _graph.AddWeight("m", _random.Normal(channels, 0, 0.05), channels),
            _graph.AddWeight("v", _random.Uniform(channels, 0.8, 1.2), channels),
        ], FloatAttribute("epsilon", BatchNormEpsilon));

    private string PRelu(string input, int channels)
    {
        var output = _graph.NewName("prelu");
        var slope = new float[channels];
        Array.Fill(slope, PReluInitialSlope);
        // Shape [C,1,1] broadcasts over [N,C,H,W], one slope per channel.
        return _graph.AddNamedNode("PRelu", output, [input, _graph.AddWeight("slope", slope, channels, 1, 1)]);
    }

    private static float[] Ones(int count)
    {
        var values = new float[count];
        Array.Fill(values, 1f);
        return values;
    }

    private static void Validate(IResNetSpec spec)
    {
        if (spec.Layers.Count == 0 || spec.Layers.Count != spec.StageWidths.Count)
        {
            throw new ArgumentException("Layers and StageWidths must name the same, non-zero number of stages.", nameof(spec));
        }

        if (spec.Layers.Any(blocks => blocks < 1) || spec.StageWidths.Any(width => width < 1) || spec.EmbeddingSize < 1)
        {
            throw new ArgumentException("Block counts, widths and the embedding size must be positive.", nameof(spec));
        }

        // Stride-2 convolutions with padding 1 round odd sides up, which would break the fully connected layer's size.
        if (spec.InputSize < 1 || spec.InputSize % (1 << spec.Layers.Count) != 0)
        {
            throw new ArgumentException($"InputSize must be a positive multiple of 2^{spec.Layers.Count} (one halving per stage).", nameof(spec));
        }

        if (spec.BatchSize is < 1)
        {
            throw new ArgumentException("BatchSize must be positive, or null for a dynamic batch.", nameof(spec));
        }
    }
}
