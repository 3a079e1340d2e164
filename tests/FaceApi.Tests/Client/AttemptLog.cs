using System.Collections.Concurrent;
using System.Net;

namespace FaceApi.Tests.Client;

/// <summary>
/// Every HTTP attempt a <see cref="FaceApi.Client.FaceApiClient"/> made, seen from inside its resilience
/// handler: one entry per try, so retries show as several entries for the same request message.
/// </summary>
internal sealed class AttemptLog
{
    private readonly ConcurrentQueue<Attempt> _attempts = new();

    public IReadOnlyList<Attempt> Attempts => _attempts.ToArray();

    /// <summary>A handler to add after the resilience handler, so that it sees each attempt.</summary>
    public DelegatingHandler CreateHandler() => new Recorder(this);

    /// <summary>One try: which request, when it started and ended, what came back.</summary>
    public sealed record Attempt(HttpRequestMessage Request, DateTimeOffset Started, DateTimeOffset Ended, HttpStatusCode? Status, TimeSpan? RetryAfter, string? ApiKey);

    private sealed class Recorder(AttemptLog log) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var started = DateTimeOffset.UtcNow;
            var apiKey = request.Headers.TryGetValues(FaceApi.Client.FaceApiClient.ApiKeyHeader, out var keys) ? keys.Single() : null;
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                log._attempts.Enqueue(new Attempt(request, started, DateTimeOffset.UtcNow, response.StatusCode, response.Headers.RetryAfter?.Delta, apiKey));
                return response;
            }
            catch (HttpRequestException)
            {
                log._attempts.Enqueue(new Attempt(request, started, DateTimeOffset.UtcNow, null, null, apiKey));
                throw;
            }
        }
    }
}
