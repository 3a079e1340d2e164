using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using FaceApi.Contracts;
using FaceApi.Core.Batching;
using FaceApi.Errors;
using FaceApi.Metrics;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FaceApi.RateLimiting;

/// <summary>ASP.NET Core's rate limiter, partitioned per API key or client address, answering 429 <c>rate_limited</c>.</summary>
public static class RateLimitingSetup
{
    /// <summary>The policy the image endpoints require.</summary>
    public const string PerClientPolicy = "per-client";

    public static IServiceCollection AddFaceApiRateLimiting(this IServiceCollection services) => services
        .AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(PerClientPolicy, context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<RateLimitingOptions>>().Value;
                // The service's own start-up warm-up is no client's traffic (Hosting/WarmUpRequests.cs).
                if (!options.Enabled || Hosting.WarmUpRequests.IsWarmUp(context))
                {
                    return RateLimitPartition.GetNoLimiter(string.Empty);
                }

                return RateLimitPartition.GetFixedWindowLimiter(ClientOf(context), _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.PermitLimit,
                    Window = options.Window,
                    QueueLimit = options.QueueLimit,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
            });
            limiter.OnRejected = (rejected, _) => RejectAsync(rejected);
        });

    // The key's hash when the caller presented a valid API key, else its address.
    private static string ClientOf(HttpContext context) =>
        context.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } keyHash
            ? $"key:{keyHash}"
            : $"ip:{context.Connection.RemoteIpAddress}";

    private static async ValueTask RejectAsync(OnRejectedContext rejected)
    {
        var context = rejected.HttpContext;
        ServiceMetrics.Rejections.WithLabels(RejectionReason.RateLimited).Inc();
        // Retry-After is whole seconds (RFC 9110 §10.2.3): round up so a client that waits as told gets in.
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await ProblemDetailsSetup.Problem(StatusCodes.Status429TooManyRequests, ProblemCode.RateLimited, "Too many requests from this client; retry later.")
            .ExecuteAsync(context);
    }
}
