namespace FaceApi.Testing;

/// <summary>
/// The shape and contract of an IResNet face-embedding model to build. The defaults are InsightFace's
/// IResNet-50, the network inside w600k_r50.onnx (../shared/testdata/SOURCES.md): input "input.1"
/// float32 [N,3,112,112], output "683" float32 [N,512], 43.6 M parameters.
/// </summary>
public sealed record IResNetSpec
{
    /// <summary>Residual blocks per stage; 3,4,14,3 is IResNet-50 (InsightFace recognition/arcface_torch/backbones/iresnet.py).</summary>
    public IReadOnlyList<int> Layers { get; init; } = [3, 4, 14, 3];

    /// <summary>Channels of each stage; the stem produces the first stage's width.</summary>
    public IReadOnlyList<int> StageWidths { get; init; } = [64, 128, 256, 512];

    public int EmbeddingSize { get; init; } = 512;

    /// <summary>Height and width of the square input; each stage halves it, so it must divide by 2^stages.</summary>
    public int InputSize { get; init; } = 112;

    /// <summary>A fixed batch size, or null for a dynamic batch named "None" as in InsightFace's PyTorch export.</summary>
    public int? BatchSize { get; init; }

    public string InputName { get; init; } = "input.1";

    public string OutputName { get; init; } = "683";

    public int Seed { get; init; }

    /// <summary>IResNet-50 with w600k_r50.onnx's contract.</summary>
    public static IResNetSpec IResNet50 { get; } = new();

    /// <summary>
    /// The same architecture and contract with one block per stage and an eighth of the widths:
    /// 1.7 M parameters (nearly all in the fully connected layer) and 60 MFLOP per face, so ONNX
    /// Runtime loads and runs it in milliseconds in unit tests.
    /// </summary>
    public static IResNetSpec Tiny { get; } = new() { Layers = [1, 1, 1, 1], StageWidths = [8, 16, 32, 64] };
}
