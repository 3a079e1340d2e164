using FaceApi.Testing;
using Microsoft.ML.OnnxRuntime;

namespace FaceApi.Core.Tests.TestModels;

public sealed class ContractViolatingModelBuilderTests
{
    [Theory]
    [InlineData(EmbedderContractViolation.SingleChannelInput, 1, new long[] { -1, 1, 112, 112 }, new long[] { -1, 512 })]
    [InlineData(EmbedderContractViolation.Rank3Input, 1, new long[] { -1, 112, 112 }, new long[] { -1, 512 })]
    [InlineData(EmbedderContractViolation.NonSquareInput, 1, new long[] { -1, 3, 112, 96 }, new long[] { -1, 512 })]
    [InlineData(EmbedderContractViolation.TwoInputs, 2, new long[] { -1, 3, 112, 112 }, new long[] { -1, 512 })]
    [InlineData(EmbedderContractViolation.Rank3Output, 1, new long[] { -1, 3, 112, 112 }, new long[] { -1, 1, 512 })]
    public void Each_violation_loads_and_runs_with_exactly_the_broken_shape(
        EmbedderContractViolation violation, int inputCount, long[] inputShape, long[] outputShape)
    {
        using var session = new InferenceSession(ContractViolatingModelBuilder.Build(violation));

        Assert.Equal(inputCount, session.InputMetadata.Count);
        Assert.All(session.InputMetadata.Values, input => Assert.Equal(inputShape, input.Dimensions.Select(d => (long)d)));
        var output = Assert.Single(session.OutputMetadata);
        Assert.Equal(outputShape, output.Value.Dimensions.Select(d => (long)d));

        // Run one sample through, so a test that expects the refusal cannot pass because the file was broken.
        var sampleShape = inputShape.Select(d => d == -1 ? 1 : d).ToArray();
        var inputs = session.InputNames
            .Select(_ => OrtValue.CreateTensorValueFromMemory(new float[sampleShape.Aggregate(1L, (n, d) => n * d)], sampleShape))
            .ToArray();
        using var runOptions = new RunOptions();
        try
        {
            using var outputs = session.Run(runOptions, session.InputNames, inputs, session.OutputNames);
            Assert.Equal(outputShape.Select(d => d == -1 ? 1 : d), Assert.Single(outputs).GetTensorTypeAndShape().Shape);
        }
        finally
        {
            foreach (var input in inputs)
            {
                input.Dispose();
            }
        }
    }
}
