using System.Net;
using FaceApi.Client;
using FaceApi.Contracts;
using FaceApi.Testing;

namespace FaceApi.Tests.Client;

/// <summary>
/// The client's resilience against a service with room for one request at a time: overload answers are
/// retried after the service's Retry-After, a bounded number of times; the API key goes with every attempt.
/// </summary>
public sealed class FaceApiClientRetryTests(TinyQueueService service) : IClassFixture<TinyQueueService>
{
    private static readonly TimeSpan TimerResolution = TimeSpan.FromMilliseconds(5);

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Under_overload_every_call_succeeds_after_retries_or_fails_with_queue_full()
    {
        _ = service.Client; // skips the test when the shared test data is absent
        using var services = new ClientServices(service.BaseAddress, options =>
        {
            options.ApiKey = TinyQueueService.ApiKey;
            // Enough waves of retries (one a second, as Retry-After says) for every caller to get a turn
            // even when a busy machine makes each request take most of a second.
            options.MaxRetryAttempts = 6;
        });
        var photo = TestData.ReadFacePhoto("rose1.jpg");

        // Eight callers at once against one admission slot: most are refused at first.
        var calls = Enumerable.Range(0, 8).Select(async _ =>
        {
            try
            {
                await services.Client.EmbedAsync(photo, cancellationToken: Cancellation);
                return null;
            }
            catch (FaceApiException refused)
            {
                return refused;
            }
        }).ToArray();
        var outcomes = await Task.WhenAll(calls);

        var attempts = services.Log.Attempts;
        var refusals = attempts.Where(attempt => attempt.Status == HttpStatusCode.ServiceUnavailable).ToArray();
        Assert.NotEmpty(refusals);
        Assert.All(attempts, attempt => Assert.Contains(attempt.Status, new HttpStatusCode?[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));
        Assert.All(outcomes.OfType<FaceApiException>(), refused =>
        {
            Assert.Equal(ProblemCode.QueueFull, refused.Code);
            Assert.NotNull(refused.RetryAfter);
        });
        // Calls refused at first got in on a later attempt: retries, not just first-come successes.
        var succeededAfterRetry = attempts.GroupBy(attempt => attempt.Request)
            .Count(call => call.Count() > 1 && call.Last().Status == HttpStatusCode.OK);
        Assert.True(succeededAfterRetry > 0, $"{attempts.Count} attempts, {refusals.Length} refused, none succeeded on a retry");
        Assert.All(attempts.GroupBy(attempt => attempt.Request), call => Assert.InRange(call.Count(), 1, 7));
    }

    [Fact]
    public async Task A_refused_attempt_is_retried_no_sooner_than_its_retry_after()
    {
        _ = service.Client;
        using var services = new ClientServices(service.BaseAddress, options => options.ApiKey = TinyQueueService.ApiKey);
        var photo = TestData.ReadFacePhoto("rose1.jpg");

        await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            try
            {
                await services.Client.EmbedAsync(photo, cancellationToken: Cancellation);
            }
            catch (FaceApiException refused) when (refused.Code == ProblemCode.QueueFull)
            {
            }
        }));

        var retried = services.Log.Attempts.GroupBy(attempt => attempt.Request)
            .SelectMany(call => call.Zip(call.Skip(1), (refused, next) => (Refused: refused, Next: next)))
            .ToArray();
        Assert.NotEmpty(retried);
        Assert.All(retried, pair =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, pair.Refused.Status);
            var retryAfter = Assert.NotNull(pair.Refused.RetryAfter);
            // Timers count whole milliseconds (Environment.TickCount64), so a wait measured by the wall clock
            // may come out up to a tick short of what was asked; 5 ms covers that and nothing more.
            Assert.True(
                pair.Next.Started - pair.Refused.Ended >= retryAfter - TimerResolution,
                $"retried {(pair.Next.Started - pair.Refused.Ended).TotalMilliseconds:F0} ms after a refusal asking for {retryAfter.TotalMilliseconds:F0} ms");
        });
    }

    [Fact]
    public async Task Sends_the_api_key_on_every_attempt_and_without_one_gets_unauthorized_at_once()
    {
        _ = service.Client;
        using var keyed = new ClientServices(service.BaseAddress, options => options.ApiKey = TinyQueueService.ApiKey);
        using var keyless = new ClientServices(service.BaseAddress);
        var photo = TestData.ReadFacePhoto("rose1.jpg");

        var result = await keyed.Client.EmbedAsync(photo, cancellationToken: Cancellation);
        var refused = await Assert.ThrowsAsync<FaceApiException>(() => keyless.Client.EmbedAsync(photo, cancellationToken: Cancellation));

        Assert.Single(result.Faces);
        Assert.All(keyed.Log.Attempts, attempt => Assert.Equal(TinyQueueService.ApiKey, attempt.ApiKey));
        Assert.Equal((HttpStatusCode.Unauthorized, ProblemCode.Unauthorized), (refused.Status, refused.Code));
        Assert.Single(keyless.Log.Attempts);
    }

    [Fact]
    public async Task More_faces_than_the_queue_holds_is_too_many_faces_and_not_retried()
    {
        _ = service.Client;
        using var services = new ClientServices(service.BaseAddress, options => options.ApiKey = TinyQueueService.ApiKey);

        var refused = await Assert.ThrowsAsync<FaceApiException>(
            () => services.Client.EmbedAsync(TestData.ReadFacePhoto("obama_family.jpg"), cancellationToken: Cancellation));

        Assert.Equal((HttpStatusCode.UnprocessableEntity, ProblemCode.TooManyFaces), (refused.Status, refused.Code));
        Assert.Single(services.Log.Attempts);
    }
}
