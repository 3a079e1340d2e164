using FaceApi.Hosting;
using FaceApi.Uploads;
using Microsoft.Extensions.Options;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// The arrays bodies over 1 MiB are copied into are kept for the next body of about the same size
/// instead of being left as large-object garbage, count against the body budget while kept, go first
/// when the budget needs room, and are let go once no body of their size has come for an interval.
/// </summary>
public sealed class BufferedBodyArraysTests
{
    private const int MiB = 1 << 20;
    private const int Chunk = BufferedBodyChunks.Size;

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
        Assert.Equal(4L * MiB, budget.Arrays.SpareBytes);

        using var next = budget.Open();
        var reused = next.Rent((4 * MiB) - 1);

        Assert.Same(first, reused);
        Assert.Equal(4L * MiB, budget.ReservedBytes);
        Assert.Equal(0, budget.Arrays.SpareBytes);
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

        Assert.Equal(0, budget.Arrays.SpareBytes);
        Assert.True(budget.ReservedBytes + budget.Arrays.SpareBytes + ((long)budget.Chunks.SpareCount * Chunk) <= 4L * MiB);
        next.Return(chunk);
    }

    [Fact]
    public void Arrays_of_a_size_no_body_asked_for_through_a_whole_interval_are_let_go()
    {
        using var budget = new BufferedBodyBudget(Options.Create(new UploadOptions { MaxBufferedBytes = 16L * MiB }));
        using var body = budget.Open();
        var asked = body.Rent(2 * MiB);
        var other = body.Rent(3 * MiB);
        body.Return(asked);
        body.Return(other);

        // Both lengths were asked for in this interval; in the next only the 2 MiB one is.
        budget.Arrays.LetGoUnused();
        Assert.Equal(5L * MiB, budget.Arrays.SpareBytes);
        body.Return(body.Rent(2 * MiB));
        budget.Arrays.LetGoUnused();

        Assert.Equal(2L * MiB, budget.Arrays.SpareBytes);
    }
}
