using System.Net;

namespace FaceApi.Tests.Hosting;

/// <summary>Waiting for a started service to load and warm its models, which it does in the background.</summary>
public static class ServiceReadiness
{
    /// <summary>Polls <c>GET /health/ready</c> until it answers 200; throws with the last answer when <paramref name="timeout"/> passes first.</summary>
    public static async Task WaitAsync(HttpClient client, TimeSpan timeout)
    {
        var cancellation = TestContext.Current.CancellationToken;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellation);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The service was not ready within {timeout}: {await response.Content.ReadAsStringAsync(cancellation)}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellation);
        }
    }
}
