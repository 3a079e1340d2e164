using FaceApi.Core.Alignment;
using FaceApi.Core.Inference;
using FaceApi.Core.Recognition;
using FaceApi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceApi.Core.Tests.Recognition;

/// <summary>The embedder's model contract, checked with small real ONNX models built by the tests.</summary>
public sealed class ArcFaceEmbedderTests : IDisposable
{
    private readonly BuiltModels _models = new();

    [Fact]
    public void Reads_names_crop_size_dimension_and_dynamic_batch_from_a_w600k_r50_shaped_model()
    {
        using var embedder = Load(IResNetSpec.Tiny with { InputName = "data", OutputName = "fc1" });

        Assert.Equal(112, embedder.CropSize);
        Assert.Equal(512, embedder.EmbeddingSize);
        Assert.Null(embedder.FixedBatchSize);
    }

    [Fact]
    public void Reports_a_fixed_batch_dimension()
    {
        using var embedder = Load(IResNetSpec.Tiny with { BatchSize = 1 });

        Assert.Equal(1, embedder.FixedBatchSize);
    }

    [Theory]
    [InlineData(EmbedderContractViolation.SingleChannelInput)]
    [InlineData(EmbedderContractViolation.Rank3Input)]
    [InlineData(EmbedderContractViolation.Rank3Output)]
    [InlineData(EmbedderContractViolation.TwoInputs)]
    [InlineData(EmbedderContractViolation.NonSquareInput)]
    public void Refuses_a_model_with_the_wrong_contract_at_load_time(EmbedderContractViolation violation)
    {
        var path = Path.Combine(_models.Folder, $"{violation}.onnx");
        File.WriteAllBytes(path, ContractViolatingModelBuilder.Build(violation));
        var sessions = InferenceSessionPool.Load(path, new InferenceOptions(), NullLogger.Instance);

        var error = Assert.Throws<ModelContractException>(() => new ArcFaceEmbedder(sessions, new RecognitionOptions()));

        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        sessions.Dispose();
    }

    [Fact]
    public void Refuses_a_crop_size_that_no_arcface_template_fits_and_says_so()
    {
        var path = Path.Combine(_models.Folder, "crop-100.onnx");
        File.WriteAllBytes(path, ContractViolatingModelBuilder.Build(EmbedderContractViolation.CropWithoutTemplate));
        using var sessions = InferenceSessionPool.Load(path, new InferenceOptions(), NullLogger.Instance);

        var error = Assert.Throws<ModelContractException>(() => new ArcFaceEmbedder(sessions, new RecognitionOptions()));

        Assert.Contains("100-pixel crop has no ArcFace landmark template", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_embedding_computed_in_a_batch_of_eight_equals_the_one_computed_alone()
    {
        using var embedder = Load(IResNetSpec.Tiny);
        var faces = Enumerable.Range(0, 8).Select(RandomCrop).ToArray();

        var batched = await embedder.EmbedAsync(faces, TestContext.Current.CancellationToken);
        for (var i = 0; i < faces.Length; i++)
        {
            var alone = (await embedder.EmbedAsync([faces[i]], TestContext.Current.CancellationToken))[0];
            var maxDifference = alone.Vector.Zip(batched[i].Vector, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(maxDifference <= 1e-4f, $"face {i}: max abs difference {maxDifference}");
        }
    }

    [Fact]
    public async Task A_static_batch_model_embeds_many_faces_one_run_at_a_time()
    {
        using var dynamic = Load(IResNetSpec.Tiny);
        using var fixedBatch = Load(IResNetSpec.Tiny with { BatchSize = 1 });
        var faces = Enumerable.Range(0, 3).Select(RandomCrop).ToArray();

        var expected = await dynamic.EmbedAsync(faces, TestContext.Current.CancellationToken);
        var actual = await fixedBatch.EmbedAsync(faces, TestContext.Current.CancellationToken);

        for (var i = 0; i < faces.Length; i++)
        {
            Assert.Equal(expected[i].Vector, actual[i].Vector, (a, b) => Math.Abs(a - b) <= 1e-4f);
        }
    }

    [Fact]
    public void Channel_order_and_normalisation_follow_the_options()
    {
        // One pixel of (R=255, G=0, B=127.5 rounded to 128) in a 112 crop: check the first element of each plane.
        var pixels = new byte[112 * 112 * 3];
        pixels[0] = 255;
        pixels[1] = 0;
        pixels[2] = 128;
        var face = new AlignedFace(112, pixels);
        var tensor = new float[3 * 112 * 112];
        const int plane = 112 * 112;

        ArcFaceEmbedder.WriteTensor(face, tensor, new RecognitionOptions { ChannelOrder = ChannelOrder.Rgb, Mean = 127.5f, Std = 127.5f });
        Assert.Equal([1f, -1f, 0.5f / 127.5f], [tensor[0], tensor[plane], tensor[2 * plane]]);

        ArcFaceEmbedder.WriteTensor(face, tensor, new RecognitionOptions { ChannelOrder = ChannelOrder.Bgr, Mean = 127.5f, Std = 128f });
        Assert.Equal([0.5f / 128f, -127.5f / 128f, 127.5f / 128f], [tensor[0], tensor[plane], tensor[2 * plane]]);
    }

    [Theory]
    [InlineData(ChannelOrder.Rgb, 127.5f, 127.5f)]
    [InlineData(ChannelOrder.Bgr, 127.5f, 128f)]
    public void WriteTensor_puts_every_pixel_normalised_into_its_channel_plane(ChannelOrder order, float mean, float std)
    {
        var face = RandomCrop(seed: 11);
        var tensor = new float[3 * 112 * 112];
        const int plane = 112 * 112;

        ArcFaceEmbedder.WriteTensor(face, tensor, new RecognitionOptions { ChannelOrder = order, Mean = mean, Std = std });

        // cv2.dnn.blobFromImage's arithmetic, pixel by pixel: (x - mean) * (1 / std), planes in model order.
        var pixels = face.RgbPixels.Span;
        var source = order == ChannelOrder.Rgb ? new[] { 0, 1, 2 } : [2, 1, 0];
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < plane; i++)
            {
                Assert.Equal((pixels[(3 * i) + source[c]] - mean) * (1f / std), tensor[(c * plane) + i]);
            }
        }
    }

    public void Dispose() => _models.Dispose();

    internal static AlignedFace RandomCrop(int seed)
    {
        var pixels = new byte[112 * 112 * 3];
        new Random(seed).NextBytes(pixels);
        return new AlignedFace(112, pixels);
    }

    private ArcFaceEmbedder Load(IResNetSpec spec) => _models.LoadEmbedder(spec);
}
