using FaceApi.Hosting;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Body chunks are reused rather than left as garbage after a burst, up to the budget's worth, and let
/// go once they sit unused, so memory comes back after the burst.
/// </summary>
public sealed class BufferedBodyChunksTests
{
    [Fact]
    public void Returned_chunks_are_reused_up_to_the_budgets_worth()
    {
        using var chunks = new BufferedBodyChunks(3 * BufferedBodyChunks.Size);
        var rented = Enumerable.Range(0, 5).Select(_ => chunks.Rent()).ToArray();
        Assert.All(rented, chunk => Assert.Equal(BufferedBodyChunks.Size, chunk.Length));

        foreach (var chunk in rented)
        {
            chunks.Return(chunk);
        }

        Assert.Equal(3, chunks.SpareCount);
        Assert.Same(rented[2], chunks.Rent());
    }

    [Fact]
    public void Chunks_unused_through_a_whole_interval_are_let_go_and_those_used_are_kept()
    {
        using var chunks = new BufferedBodyChunks(3 * BufferedBodyChunks.Size);
        var burst = Enumerable.Range(0, 3).Select(_ => chunks.Rent()).ToArray();
        foreach (var chunk in burst)
        {
            chunks.Return(chunk);
        }

        // All three were in use during this interval.
        chunks.LetGoUnused();
        Assert.Equal(3, chunks.SpareCount);

        // One is used during the next; the two that never were go.
        chunks.Return(chunks.Rent());
        chunks.LetGoUnused();
        Assert.Equal(1, chunks.SpareCount);

        // The process goes idle: the last one goes too.
        chunks.LetGoUnused();
        Assert.Equal(0, chunks.SpareCount);
    }
}
