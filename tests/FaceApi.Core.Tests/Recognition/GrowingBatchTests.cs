using FaceApi.Core.Inference;
using FaceApi.Core.Recognition;
using FaceApi.Testing;

namespace FaceApi.Core.Tests.Recognition;

/// <summary>
/// Dynamic batches of every size in turn, as the batcher produces them under rising load: the run
/// memory grows in few steps and every size still computes what a single run computes.
/// </summary>
public sealed class GrowingBatchTests : IDisposable
{
    private readonly BuiltModels _models = new();

    [Fact]
    public async Task Batches_of_one_to_twelve_in_turn_equal_single_runs()
    {
        // One session, so every batch reuses (and grows) the same run memory.
        using var embedder = _models.LoadEmbedder(IResNetSpec.Tiny, new InferenceOptions { PoolSize = 1 });
        var faces = Enumerable.Range(0, 12).Select(ArcFaceEmbedderTests.RandomCrop).ToArray();
        var alone = new List<float[]>();
        foreach (var face in faces)
        {
            alone.Add((await embedder.EmbedAsync([face], TestContext.Current.CancellationToken))[0].Vector);
        }

        for (var size = 1; size <= faces.Length; size++)
        {
            var batched = await embedder.EmbedAsync(faces[..size], TestContext.Current.CancellationToken);
            for (var i = 0; i < size; i++)
            {
                var maxDifference = alone[i].Zip(batched[i].Vector, (a, b) => Math.Abs(a - b)).Max();
                Assert.True(maxDifference <= 1e-4f, $"batch of {size}, face {i}: max abs difference {maxDifference}");
            }
        }
    }

    [Fact]
    public void Memory_grows_to_powers_of_two_not_to_every_run_size()
    {
        using var tensors = new RunTensors(cropSize: 112, embeddingSize: 512);
        var capacities = new List<int>();
        for (var runSize = 1; runSize <= 32; runSize++)
        {
            _ = tensors.Input(runSize);
            _ = tensors.Values(runSize);
            capacities.Add(tensors.Capacity);
        }

        Assert.Equal([1, 2, 4, 8, 16, 32], capacities.Distinct());
    }

    public void Dispose() => _models.Dispose();
}
