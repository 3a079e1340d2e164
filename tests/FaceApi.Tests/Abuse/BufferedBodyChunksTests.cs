using FaceApi.Core.Batching;
using FaceApi.Hosting;
using FaceApi.Tests.Metrics;
using FaceApi.Uploads;
using Microsoft.Extensions.Options;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Body chunks are reused rather than left as garbage after a burst, and let go once they sit unused,
/// so memory comes back after the burst. The chunks kept count against the body budget: reserved and
/// spare bytes together never exceed it, so the memory held for bodies is bounded by the budget, not
/// twice it.
/// </summary>
// Refusals count in the process-wide faceapi_rejections_total, which BodyBudgetTests compares.
[Collection(MetricsCollection.Name)]
public sealed class BufferedBodyChunksTests
{
    private const int Chunk = BufferedBodyChunks.Size;

    [Fact]
    public void Returned_chunks_are_reused_and_spare_and_reserved_bytes_together_never_exceed_the_budget()
    {
        using var budget = new BufferedBodyBudget(Options.Create(new UploadOptions { MaxBufferedBytes = 8 * Chunk }));

        // A burst fills the budget with chunks, and gives them back: all eight are kept for reuse.
        using var burst = budget.Open();
        var burstChunks = Enumerable.Range(0, 8).Select(_ => burst.RentChunk()).ToArray();
        Assert.All(burstChunks, chunk => Assert.Equal(Chunk, chunk.Length));
        Assert.Throws<QueueFullException>(() => burst.RentChunk());
        foreach (var chunk in burstChunks)
        {
            burst.Return(chunk);
        }

        Assert.Equal(8, budget.Chunks.SpareCount);
        AssertWithinBudget(budget);

        // The next body reuses them: taking a spare chunk changes nothing in the sum.
        using var next = budget.Open();
        var reused = Enumerable.Range(0, 3).Select(_ => next.RentChunk()).ToArray();
        Assert.All(reused, chunk => Assert.Contains(burstChunks, spare => ReferenceEquals(spare, chunk)));
        Assert.Equal(5, budget.Chunks.SpareCount);
        AssertWithinBudget(budget);

        // Its array (4 chunks' worth, as its chunks are copied into it) displaces four spare chunks.
        var array = next.Rent((3 * Chunk) + 1);
        Assert.Equal(4 * Chunk, array.Length);
        Assert.Equal(7 * Chunk, budget.ReservedBytes);
        Assert.Equal(1, budget.Chunks.SpareCount);
        AssertWithinBudget(budget);

        // Its chunks go back to the spares, then its array to UploadBuffers' pool.
        foreach (var chunk in reused)
        {
            next.Return(chunk);
        }

        Assert.Equal(4 * Chunk, budget.ReservedBytes);
        Assert.Equal(4, budget.Chunks.SpareCount);
        AssertWithinBudget(budget);
        next.Return(array);
        Assert.Equal(0, budget.ReservedBytes);
        Assert.Equal(4, budget.Chunks.SpareCount);
    }

    [Fact]
    public void Chunks_unused_through_a_whole_interval_are_let_go_and_those_used_are_kept()
    {
        using var budget = new BufferedBodyBudget(Options.Create(new UploadOptions { MaxBufferedBytes = 3 * Chunk }));
        using var body = budget.Open();
        var chunks = budget.Chunks;
        var burst = Enumerable.Range(0, 3).Select(_ => body.RentChunk()).ToArray();
        foreach (var chunk in burst)
        {
            body.Return(chunk);
        }

        // All three were in use during this interval.
        chunks.LetGoUnused();
        Assert.Equal(3, chunks.SpareCount);

        // One is used during the next; the two that never were go.
        body.Return(body.RentChunk());
        chunks.LetGoUnused();
        Assert.Equal(1, chunks.SpareCount);

        // The process goes idle: the last one goes too.
        chunks.LetGoUnused();
        Assert.Equal(0, chunks.SpareCount);
    }

    private static void AssertWithinBudget(BufferedBodyBudget budget) =>
        Assert.True(budget.ReservedBytes + ((long)budget.Chunks.SpareCount * Chunk) <= 8 * Chunk, $"{budget.ReservedBytes} B reserved and {budget.Chunks.SpareCount} spare chunks exceed the budget of {8 * Chunk} B");
}
