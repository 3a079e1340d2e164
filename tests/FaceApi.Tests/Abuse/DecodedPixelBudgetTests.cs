using FaceApi.Hosting;
using Microsoft.Extensions.Options;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// The decoded-pixel budget's waits (<see cref="DecodedPixelBudget"/>): a compute thread waits for room
/// before decoding, rather than its request being refused after its body has arrived.
/// </summary>
public sealed class DecodedPixelBudgetTests
{
    // Long enough for a wait that should not end to show that it has not, and for a task to start
    // waiting; it cannot make a test pass wrongly.
    private static readonly TimeSpan StillWaiting = TimeSpan.FromMilliseconds(200);

    // A wait that should end, but does not, fails the test here rather than hanging it.
    private static readonly TimeSpan Ends = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_decode_waits_until_the_pixels_it_needs_are_given_back()
    {
        using var budget = Budget(1000);
        var first = budget.Reserve(600, TestContext.Current.CancellationToken);

        var second = Task.Run(() => budget.Reserve(600, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        await Task.Delay(StillWaiting, TestContext.Current.CancellationToken);
        Assert.False(second.IsCompleted);

        first.Dispose();
        (await second.WaitAsync(Ends, TestContext.Current.CancellationToken)).Dispose();
    }

    [Fact]
    public async Task An_image_larger_than_the_budget_is_decoded_alone_rather_than_never()
    {
        using var budget = Budget(1000);
        var huge = budget.Reserve(5000, TestContext.Current.CancellationToken);

        var small = Task.Run(() => budget.Reserve(1, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        await Task.Delay(StillWaiting, TestContext.Current.CancellationToken);
        Assert.False(small.IsCompleted);

        huge.Dispose();
        (await small.WaitAsync(Ends, TestContext.Current.CancellationToken)).Dispose();
    }

    [Fact]
    public async Task Waiting_decodes_take_their_turns_oldest_first_so_a_large_one_is_not_passed_over()
    {
        using var budget = Budget(1000);
        var held = budget.Reserve(1000, TestContext.Current.CancellationToken);
        var large = Task.Run(() => budget.Reserve(1000, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        await Task.Delay(StillWaiting, TestContext.Current.CancellationToken);
        var small = Task.Run(() => budget.Reserve(1, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        await Task.Delay(StillWaiting, TestContext.Current.CancellationToken);

        held.Dispose();
        var largeLease = await large.WaitAsync(Ends, TestContext.Current.CancellationToken);
        await Task.Delay(StillWaiting, TestContext.Current.CancellationToken);
        Assert.False(small.IsCompleted);

        largeLease.Dispose();
        (await small.WaitAsync(Ends, TestContext.Current.CancellationToken)).Dispose();
    }

    [Fact]
    public async Task An_image_abandoned_while_it_waits_stops_waiting_and_takes_nothing()
    {
        using var budget = Budget(1000);
        var held = budget.Reserve(1000, TestContext.Current.CancellationToken);
        using var abandon = new CancellationTokenSource();

        var waiting = Task.Run(() => budget.Reserve(1, abandon.Token), TestContext.Current.CancellationToken);
        await abandon.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        held.Dispose();
        var whole = await Task.Run(() => budget.Reserve(1000, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken).WaitAsync(Ends, TestContext.Current.CancellationToken);
        whole.Dispose();
    }

    private static DecodedPixelBudget Budget(int pixels) =>
        new(Options.Create(new RequestAdmissionOptions { MaxDecodedPixels = pixels }));
}
