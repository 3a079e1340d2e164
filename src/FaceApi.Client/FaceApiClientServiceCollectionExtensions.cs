using FaceApi.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace FaceApi.Client;

/// <summary>Registers <see cref="FaceApiClient"/> with <see cref="IHttpClientFactory"/>.</summary>
public static class FaceApiClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="FaceApiClient"/> as a typed HTTP client with the base address and API key of
    /// <paramref name="configure"/>, and a resilience handler that retries only what is safe to retry:
    /// 503 <c>queue_full</c> and <c>not_ready</c>, 429, and connections that failed before a request was
    /// sent; never another 4xx or 5xx. It waits as <c>Retry-After</c> says (otherwise exponentially, with
    /// jitter), at most <see cref="FaceApiClientOptions.MaxRetryAttempts"/> times, and never past
    /// <see cref="FaceApiClientOptions.TotalTimeout"/>.
    /// </summary>
    /// <param name="services">The application's services.</param>
    /// <param name="configure">Sets <see cref="FaceApiClientOptions.BaseAddress"/> and the rest.</param>
    /// <returns>The client's builder, for further handlers.</returns>
    public static IHttpClientBuilder AddFaceApiClient(this IServiceCollection services, Action<FaceApiClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<FaceApiClientOptions>()
            .Configure(configure)
            .ValidateDataAnnotations()
            .Validate(options => options.BaseAddress is { IsAbsoluteUri: true }, "FaceApiClientOptions.BaseAddress must be an absolute URI, e.g. http://faceapi:8080.")
            .ValidateOnStart();

        var builder = services.AddHttpClient<FaceApiClient>((provider, http) =>
        {
            var options = provider.GetRequiredService<IOptions<FaceApiClientOptions>>().Value;
            http.BaseAddress = WithTrailingSlash(options.BaseAddress!);
            // The resilience handler's total timeout bounds each call; HttpClient's own 100 s default would cut it short.
            http.Timeout = Timeout.InfiniteTimeSpan;
            if (!string.IsNullOrEmpty(options.ApiKey))
            {
                http.DefaultRequestHeaders.Add(FaceApiClient.ApiKeyHeader, options.ApiKey);
            }
        });
        builder.AddResilienceHandler("faceapi", (pipeline, context) =>
        {
            var options = context.ServiceProvider.GetRequiredService<IOptions<FaceApiClientOptions>>().Value;
            AddRetries(pipeline, options);
        });
        return builder;
    }

    internal static void AddRetries(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, FaceApiClientOptions options)
    {
        var timeProvider = pipeline.TimeProvider ?? TimeProvider.System;
        pipeline
            // Outermost: one deadline for every attempt and wait together.
            .AddTimeout(options.TotalTimeout)
            .AddStrategy(_ => new CallDeadline(options.TotalTimeout, timeProvider), new CallDeadline.Options());
        if (options.MaxRetryAttempts == 0)
        {
            return;
        }

        pipeline.AddRetry(new HttpRetryStrategyOptions
        {
            MaxRetryAttempts = options.MaxRetryAttempts,
            // Before DelayGenerator: setting this replaces the generator. The wait is chosen below instead,
            // once, so that the deadline check and the actual wait are the same figure.
            ShouldRetryAfterHeader = false,
            ShouldHandle = async attempt =>
            {
                if (!await IsSafeToRetryAsync(attempt.Outcome, attempt.Context.CancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                var wait = RetryWait(attempt.Outcome, attempt.AttemptNumber, options.RetryDelay);
                attempt.Context.Properties.Set(ChosenWait, wait);
                return CallDeadline.Allows(attempt.Context, wait, timeProvider);
            },
            DelayGenerator = attempt => ValueTask.FromResult<TimeSpan?>(attempt.Context.Properties.GetValue(ChosenWait, options.RetryDelay)),
        });
    }

    private static readonly ResiliencePropertyKey<TimeSpan> ChosenWait = new("FaceApi.Client.RetryWait");

    /// <summary>
    /// The service's Retry-After when it sends one (it says when capacity frees up; waiting less only earns
    /// another refusal); otherwise <paramref name="firstDelay"/> doubling per retry, times a jitter of 0.8 to
    /// 1.2 so that clients refused together do not all come back at the same moment.
    /// </summary>
    internal static TimeSpan RetryWait(Outcome<HttpResponseMessage> outcome, int attemptNumber, TimeSpan firstDelay) =>
        (outcome.Result is { } answer ? ProblemAnswer.RetryAfter(answer) : null)
        ?? firstDelay * Math.Pow(2, attemptNumber) * (0.8 + (0.4 * Random.Shared.NextDouble()));

    /// <summary>
    /// Overload answers, and connections that failed before the request reached the service. A 503
    /// <c>timeout</c> is not retried: the request waited its turn already, and another wait would double it.
    /// </summary>
    internal static async ValueTask<bool> IsSafeToRetryAsync(Outcome<HttpResponseMessage> outcome, CancellationToken cancellationToken)
    {
        if (outcome.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
        {
            return true;
        }

        if (outcome.Result is not { } response)
        {
            return false;
        }

        return response.StatusCode switch
        {
            System.Net.HttpStatusCode.TooManyRequests => true,
            System.Net.HttpStatusCode.ServiceUnavailable =>
                await ProblemAnswer.ReadCodeAsync(response, cancellationToken).ConfigureAwait(false) is ProblemCode.QueueFull or ProblemCode.NotReady,
            _ => false,
        };
    }

    // Relative request paths resolve against the base address's last segment unless it ends with '/'.
    private static Uri WithTrailingSlash(Uri address) =>
        address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
}
