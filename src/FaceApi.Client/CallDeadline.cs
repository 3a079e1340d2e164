using Polly;

namespace FaceApi.Client;

/// <summary>
/// Notes when a call must end (its start plus <see cref="FaceApiClientOptions.TotalTimeout"/>) in the
/// call's resilience context, so the retry strategy can decline a wait that would end past it: the caller
/// then gets the service's own answer (e.g. <c>queue_full</c> with its Retry-After) rather than a timeout.
/// </summary>
internal sealed class CallDeadline(TimeSpan budget, TimeProvider timeProvider) : ResilienceStrategy<HttpResponseMessage>
{
    private static readonly ResiliencePropertyKey<DateTimeOffset> DeadlineKey = new("FaceApi.Client.Deadline");

    /// <summary>Whether a retry after <paramref name="wait"/> still starts before the call's deadline.</summary>
    public static bool Allows(ResilienceContext context, TimeSpan? wait, TimeProvider timeProvider) =>
        !context.Properties.TryGetValue(DeadlineKey, out var deadline) || timeProvider.GetUtcNow() + (wait ?? TimeSpan.Zero) < deadline;

    protected override ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback, ResilienceContext context, TState state)
    {
        context.Properties.Set(DeadlineKey, timeProvider.GetUtcNow() + budget);
        return callback(context, state);
    }

    /// <summary>The options Polly asks every strategy to have.</summary>
    internal sealed class Options : ResilienceStrategyOptions
    {
        public Options() => Name = nameof(CallDeadline);
    }
}
