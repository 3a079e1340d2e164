using FaceApi.Core.Batching;
using FaceApi.Hosting;
using FaceApi.Tests.Metrics;
using Microsoft.Extensions.Time.Testing;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Body chunks, and the arrays bodies over 1 MiB are copied into, are reused rather than left as
/// garbage after a burst, and let go once they sit unused, so memory comes back after the burst. The
/// spares count against the body budget: reserved and spare bytes together never exceed it, so the
/// memory held for bodies is bounded by the budget, not twice it. Spare arrays go first when the
/// budget needs room: any body needs chunks, but only one of about the same size can use an array.
/// The let-go timer runs on a <see cref="FakeTimeProvider"/>, so it fires when a test advances the
/// clock and never between two of its steps.
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
        using var budget = BodyBudgets.Of(8 * Chunk);

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
        Assert.Equal(4L * Chunk, budget.Spares.Bytes);
    }

    [Fact]
    public void Chunks_unused_through_a_whole_interval_are_let_go_and_those_used_are_kept()
    {
        var clock = new FakeTimeProvider();
        using var budget = BodyBudgets.Of(3 * Chunk, clock);
        using var body = budget.Open();
        var spares = budget.Spares;
        var burst = Enumerable.Range(0, 3).Select(_ => body.RentChunk()).ToArray();
        foreach (var chunk in burst)
        {
            body.Return(chunk);
        }

        // All three were in use during this interval.
        clock.Advance(BufferedBodySpares.UnusedFor);
        Assert.Equal(3, spares.CountOf(Chunk));

        // One is used during the next; the two that never were go.
        body.Return(body.RentChunk());
        clock.Advance(BufferedBodySpares.UnusedFor);
        Assert.Equal(1, spares.CountOf(Chunk));

        // The process goes idle: the last one goes too.
        clock.Advance(BufferedBodySpares.UnusedFor);
        Assert.Equal(0, spares.CountOf(Chunk));
    }

    [Fact]
    public void A_large_array_is_kept_within_the_budget_and_reused_by_the_next_body_of_about_its_size()
    {
        using var budget = BodyBudgets.Of(8L * MiB);
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
    public void Spare_arrays_go_before_spare_chunks_when_a_body_needs_the_room()
    {
        using var budget = BodyBudgets.Of(4L * MiB);
        using (var body = budget.Open())
        {
            var chunks = new[] { body.RentChunk(), body.RentChunk() };
            var array = body.Rent(3 * MiB);
            body.Return(array);
            foreach (var chunk in chunks)
            {
                body.Return(chunk);
            }
        }

        Assert.Equal((3L * MiB) + (2 * Chunk), budget.Spares.Bytes);

        // A new 1 MiB array does not fit beside all the spares: the 3 MiB array goes, the chunks stay.
        using var next = budget.Open();
        var needsRoom = next.Rent(MiB);

        Assert.Equal(0, budget.Spares.CountOf(3 * MiB));
        Assert.Equal(2, budget.Spares.CountOf(Chunk));
        Assert.True(budget.ReservedBytes + budget.Spares.Bytes <= 4L * MiB);
        next.Return(needsRoom);
    }

    [Fact]
    public void Arrays_no_body_needed_through_a_whole_interval_are_let_go()
    {
        var clock = new FakeTimeProvider();
        using var budget = BodyBudgets.Of(16L * MiB, clock);
        using var body = budget.Open();
        var twoMiB = new[] { body.Rent(2 * MiB), body.Rent(2 * MiB) };
        var threeMiB = body.Rent(3 * MiB);
        foreach (var array in twoMiB.Append(threeMiB))
        {
            body.Return(array);
        }

        // All three were in use during this interval.
        clock.Advance(BufferedBodySpares.UnusedFor);
        Assert.Equal(7L * MiB, budget.Spares.Bytes);

        // In the next, one body at a time takes a 2 MiB array: one of the two spares of that length was
        // never needed and goes, as does the 3 MiB one.
        body.Return(body.Rent(2 * MiB));
        clock.Advance(BufferedBodySpares.UnusedFor);

        Assert.Equal(1, budget.Spares.CountOf(2 * MiB));
        Assert.Equal(0, budget.Spares.CountOf(3 * MiB));
    }

    [Fact]
    public void An_array_the_process_cannot_allocate_gives_its_share_back_and_lets_the_spares_go()
    {
        // Under a heap limit below the budget, the array a large body is copied into is the allocation
        // that fails: its share stayed reserved for good (57 MB for a maximal JSON /verify), and the
        // spares kept the room the next body needed. An array longer than any can be (Array.MaxLength)
        // fails the same way, with OutOfMemoryException.
        using var budget = BodyBudgets.Of(4L << 30);
        using (var body = budget.Open())
        {
            body.Return(body.RentChunk());
        }

        Assert.Equal(Chunk, budget.Spares.Bytes);

        Assert.Throws<OutOfMemoryException>(() => budget.TakeSpareOrNew(Array.MaxLength + 1));

        Assert.Equal(0, budget.ReservedBytes);
        Assert.Equal(0, budget.Spares.Bytes);
    }

    private static void AssertWithinBudget(BufferedBodyBudget budget) =>
        Assert.True(budget.ReservedBytes + budget.Spares.Bytes <= 8 * Chunk, $"{budget.ReservedBytes} B reserved and {budget.Spares.Bytes} B spare exceed the budget of {8 * Chunk} B");
}
