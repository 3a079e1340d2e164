using FaceApi.Core.Detection;
using FaceApi.Core.Inference;
using FaceApi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceApi.Core.Tests.Detection;

/// <summary>A model that is not an SCRFD detector with keypoints is refused when it loads, with a message saying why.</summary>
public sealed class ScrfdDetectorContractTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("faceapi-detector-contract-").FullName;

    public static TheoryData<string, int[], string> WrongOutputs() => new()
    {
        // Scores, boxes and keypoints for three strides: SCRFD's 9 outputs end in 1, 4 and 10.
        { "six outputs, no keypoints", [1, 1, 1, 4, 4, 4], "has 9 outputs; this model has 6" },
        { "keypoints of the wrong width", [1, 1, 1, 4, 4, 4, 5, 5, 5], "ending in dimension 10; found 0" },
        { "one output", [512], "has 9 outputs; this model has 1" },
    };

    [Theory]
    [MemberData(nameof(WrongOutputs))]
    public void Refuses_a_model_whose_outputs_are_not_scrfds(string why, int[] outputWidths, string expected)
    {
        var error = LoadAndExpectRefusal(DetectorContractModelBuilder.Build(outputWidths), new DetectionOptions());

        Assert.True(error.Message.Contains(expected, StringComparison.Ordinal), $"{why}: {error.Message}");
    }

    [Fact]
    public void Refuses_a_model_with_two_inputs()
    {
        var error = LoadAndExpectRefusal(ContractViolatingModelBuilder.Build(EmbedderContractViolation.TwoInputs), new DetectionOptions());

        Assert.Contains("one input; this model has 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_model_without_a_channel_axis()
    {
        var error = LoadAndExpectRefusal(ContractViolatingModelBuilder.Build(EmbedderContractViolation.Rank3Input), new DetectionOptions());

        Assert.Contains("takes [N,3,H,W]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_recognition_model_whose_fixed_canvas_is_not_a_multiple_of_the_largest_stride()
    {
        // MobileFaceNet takes [1,3,112,112]: 112 is not a multiple of SCRFD's stride 32.
        var error = LoadAndExpectRefusal(File.ReadAllBytes(TestData.Require("models/mobilefacenet.onnx")), new DetectionOptions());

        Assert.Contains("112x112 must be a multiple of 32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_a_configured_canvas_that_is_not_a_multiple_of_the_largest_stride()
    {
        // The stand-in SCRFD has a dynamic canvas, so the configured size applies.
        var error = LoadAndExpectRefusal(File.ReadAllBytes(TestData.Require("models/scrfd_2.5g_bnkps.onnx")), new DetectionOptions { InputSize = 650 });

        Assert.Contains("650x650 must be a multiple of 32", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ModelContractException LoadAndExpectRefusal(byte[] model, DetectionOptions options)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.onnx");
        File.WriteAllBytes(path, model);
        using var sessions = InferenceSessionPool.Load(path, new InferenceOptions(), NullLogger.Instance);
        return Assert.Throws<ModelContractException>(() => new ScrfdDetector(sessions, options));
    }
}
