using FaceApi.Core.Batching;
using FaceApi.Hosting;
using FaceApi.Tests.Metrics;
using FaceApi.Uploads;
using Microsoft.Extensions.Options;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Body chunks, and the arrays bodies over 1 MiB are copied into, are reused rather than left as
/// garbage after a burst, and let go once they sit unused, so memory comes back after the burst. The
/// spares count against the body budget: reserved and spare bytes together never exceed it, so the
/// memory held for bodies is bounded by the budget, not twice it. Spare arrays go first when the
/// budget needs room: any body needs chunks, but only one of about the same size can use an array.
/// </summary>
// Refusals count in the process-wide faceapi_rejections_total, which BodyBudgetTests compares.
[Collection(MetricsCollection.Name)]
public sealed class BufferedBodySparesTests
{
    private const int Chunk = BufferedBodySpares.ChunkSize;
    private const int MiB = 1 << 20;

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

        Assert.Equal(8, budget.Spares.CountOf(Chunk));
        AssertWithinBudget(budget);

        // The next body reuses them: taking a spare chunk changes nothing in the sum.
        using var next = budget.Open();
        var reused = Enumerable.Range(0, 3).Select(_ => next.RentChunk()).ToArray();
        Assert.All(reused, chunk => Assert.Contains(burstChunks, spare => ReferenceEquals(spare, chunk)));
        Assert.Equal(5, budget.Spares.CountOf(Chunk));
        AssertWithinBudget(budget);

        // Its array (4 chunks' worth, as its chunks are copied into it) displaces four spare chunks.
        var array = next.Rent((3 * Chunk) + 1);
        Assert.Equal(4 * Chunk, array.Length);
        Assert.Equal(7 * Chunk, budget.ReservedBytes);
        Assert.Equal(1, budget.Spares.CountOf(Chunk));
        AssertWithinBudget(budget);

        // Its chunks go back to the spares, then its array to UploadBuffers' pool.
        foreach (var chunk in reused)
        {
            next.Return(chunk);
        }

        Assert.Equal(4 * Chunk, budget.ReservedBytes);
        Assert.Equal(4, budget.Spares.CountOf(Chunk));
        AssertWithinBudget(budget);
        next.Return(array);
        Assert.Equal(0, budget.ReservedBytes);
        Assert.Equal(4, budget.Spares.CountOf(Chunk));
    }

    [Fact]
    public void Chunks_unused_through_a_whole_interval_are_let_go_and_those_used_are_kept()
    {
        using var budget = new BufferedBodyBudget(Options.Create(new UploadOptions { MaxBufferedBytes = 3 * Chunk }));
        using var body = budget.Open();
        var spares = budget.Spares;
        var burst = Enumerable.Range(0, 3).Select(_ => body.RentChunk()).ToArray();
        foreach (var chunk in burst)
        {
            body.Return(chunk);
        }

        // All three were in use during this interval.
        spares.LetGoUnused();
        Assert.Equal(3, spares.CountOf(Chunk));

        // One is used during the next; the two that never were go.
        body.Return(body.RentChunk());
        spares.LetGoUnused();
        Assert.Equal(1, spares.CountOf(Chunk));

        // The process goes idle: the last one goes too.
        spares.LetGoUnused();
        Assert.Equal(0, spares.CountOf(Chunk));
    }

    [Fact]
    public void A_large_array_is_kept_within_the_budget_and_reused_by_the_next_body_of_about_its_size()
    {
        using var budget = new BufferedBodyBudget(Options.Create(new UploadOptions { MaxBufferedBytes = 8L * MiB }));
        byte[] first;
        using (var body = budget.Open())
        {
            first = body.Rent((3 * MiB) + 12_345);
            Assert.Equal(4 * MiB, first.Length);
            body.Return(first);
        }

        Assert.Equal(0, budget.ReservedBytes);
        Assert.Equal(4L * MiB, budget.Spares.Bytes);

        using var next = budget.Open();
        var reused = next.Rent((4 * MiB) - 1);

        Assert.Same(first, reused);
        Assert.Equal(4L * MiB, budget.ReservedBytes);
        Assert.Equal(0, budget.Spares.Bytes);
        next.Return(reused);
    }

    [Fact]
    public void Spare_arrays_go_first_when_a_body_needs_the_room()
    {
        using var budget = new BufferedBodyBudget(Options.Create(new UploadOptions { MaxBufferedBytes = 4L * MiB }));
        using (var body = budget.Open())
        {
            body.Return(body.Rent(4 * MiB));
        }

        using var next = budget.Open();
        var chunk = next.RentChunk();

        Assert.Equal(0, budget.Spares.Bytes);
        Assert.True(budget.ReservedBytes + budget.Spares.Bytes <= 4L * MiB);
        next.Return(chunk);
    }

    [Fact]
    public void Arrays_no_body_needed_through_a_whole_interval_are_let_go()
    {
        using var budget = new BufferedBodyBudget(Options.Create(new UploadOptions { MaxBufferedBytes = 16L * MiB }));
        using var body = budget.Open();
        var asked = body.Rent(2 * MiB);
        var other = body.Rent(3 * MiB);
        body.Return(asked);
        body.Return(other);

        // Both lengths were asked for in this interval; in the next only the 2 MiB one is.
        budget.Spares.LetGoUnused();
        Assert.Equal(5L * MiB, budget.Spares.Bytes);
        body.Return(body.Rent(2 * MiB));
        budget.Spares.LetGoUnused();

        Assert.Equal(2L * MiB, budget.Spares.Bytes);
    }

    private static void AssertWithinBudget(BufferedBodyBudget budget) =>
        Assert.True(budget.ReservedBytes + budget.Spares.Bytes <= 8 * Chunk, $"{budget.ReservedBytes} B reserved and {budget.Spares.Bytes} B spare exceed the budget of {8 * Chunk} B");
}
