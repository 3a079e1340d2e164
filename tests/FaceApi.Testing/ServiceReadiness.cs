using System.Net;
using System.Text.Json;

namespace FaceApi.Testing;

/// <summary>
/// The one wait for a started service to settle: it loads and warms its models in the background,
/// so every harness (in-memory host, Kestrel host, child process) polls <c>GET /health/ready</c>
/// until it reports the state it expects.
/// </summary>
public static class ServiceReadiness
{
    /// <summary>
    /// How long a start may take. The small test models load and warm in about a second (3 s for a
    /// child process) on an idle two-core machine; IResNet-50 with every warm-up batch size measured
    /// 25-40 s. Minutes, because the machine is shared by parallel test classes and other builds.
    /// </summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Polls <paramref name="readiness"/> until its <c>status</c> is <paramref name="expectedState"/>
    /// ("ready" with 200, anything else with 503) and returns that answer's body. Fails at once when
    /// the service settles in "failed" or "stopping" instead, or when <paramref name="whyGone"/> (for a
    /// child process) says it has exited; fails with the last answer after <paramref name="timeout"/>.
    /// A service not yet listening, or too busy to answer a probe, is polled again.
    /// </summary>
    public static async Task<string> WaitForStateAsync(
        HttpClient client,
        Uri readiness,
        string expectedState,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        Func<string?>? whyGone = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var last = "(no answer)";
        try
        {
            while (true)
            {
                if (whyGone?.Invoke() is { } gone)
                {
                    throw new InvalidOperationException($"The service is gone before it was {expectedState}: {gone}");
                }

                try
                {
                    using var response = await client.GetAsync(readiness, deadline.Token);
                    last = await response.Content.ReadAsStringAsync(deadline.Token);
                    var state = StateOf(last);
                    if (state == expectedState)
                    {
                        var expectedStatus = state == "ready" ? HttpStatusCode.OK : HttpStatusCode.ServiceUnavailable;
                        return response.StatusCode == expectedStatus
                            ? last
                            : throw new InvalidOperationException($"Readiness says {state} with status {(int)response.StatusCode}: {last}");
                    }

                    if (state is "failed" or "stopping")
                    {
                        throw new InvalidOperationException($"The service did not become {expectedState}: {last}");
                    }
                }
                catch (HttpRequestException exception)
                {
                    last = $"(not listening yet: {exception.Message})";
                }
                catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
                {
                    last = "(listening, but no answer within the client's timeout)";
                }

                await Task.Delay(PollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The service was not {expectedState} within {timeout}; last readiness answer: {last}");
        }
    }

    private static string? StateOf(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("status", out var status) ? status.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
