using FaceApi.Testing;

namespace FaceApi.Tests.Client;

/// <summary>A connection that fails before the request is sent is safe to retry, a bounded number of times.</summary>
public sealed class FaceApiClientConnectionTests
{
    [Fact]
    public async Task A_refused_connection_is_retried_up_to_the_bound_then_thrown()
    {
        // Nothing listens on a port the OS just handed out and took back.
        var nowhere = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        using var services = new ClientServices(nowhere, options =>
        {
            options.MaxRetryAttempts = 2;
            options.RetryDelay = TimeSpan.FromMilliseconds(10);
        });

        await Assert.ThrowsAsync<HttpRequestException>(() => services.Client.IsLiveAsync(TestContext.Current.CancellationToken));

        Assert.Equal(3, services.Log.Attempts.Count);
        Assert.All(services.Log.Attempts, attempt => Assert.Null(attempt.Status));
    }
}
