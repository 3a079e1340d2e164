using Microsoft.AspNetCore.OutputCaching;

namespace FaceApi.OpenApi;

/// <summary>
/// Serves the OpenAPI document (<c>/swagger/{name}/swagger.json</c>) from memory after its first request.
/// Swashbuckle builds it anew for every request, by reflection over the endpoints and their XML docs:
/// 9 to 10 ms of CPU each, against 0.12 ms for <c>/health/live</c>, on a path open without an API key
/// and outside the rate limits (issue 13, second probe: 125 requests a second took a core). Its
/// maintainers leave caching to ASP.NET Core's own middleware (Swashbuckle.AspNetCore issue #1970),
/// used here with one entry per document, whatever the Host header or query string, so that neither
/// makes a request miss the cache or adds an entry. The document only changes with the build.
/// </summary>
public static class OpenApiDocumentCaching
{
    // The store's limit in bytes: room for the one document (about 33 KB) many times over, and a bound
    // on whatever else might ever be cached through it.
    private const long StoreSizeLimitBytes = 4 * 1024 * 1024;

    public static IServiceCollection AddOpenApiDocumentCaching(this IServiceCollection services) =>
        services.AddOutputCache(options =>
        {
            options.SizeLimit = StoreSizeLimitBytes;
            options.AddBasePolicy(new DocumentPolicy());
        });

    /// <summary>Caches successful GETs of a document; leaves every other request alone.</summary>
    private sealed class DocumentPolicy : IOutputCachePolicy
    {
        // The middleware's default is 60 s; the document is the same for the life of the process.
        private static readonly TimeSpan Lifetime = TimeSpan.FromDays(1);

        public ValueTask CacheRequestAsync(OutputCacheContext context, CancellationToken cancellation)
        {
            var request = context.HttpContext.Request;
            // Swashbuckle matches its route ignoring case and a trailing slash; so does this, or such a
            // spelling would be built anew every time (found in review). The cache keys on the path in
            // upper case, so every case shares one entry, and the trailing slash has one more.
            var document = (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
                && request.Path.StartsWithSegments("/swagger", StringComparison.OrdinalIgnoreCase)
                && request.Path.Value!.TrimEnd('/').EndsWith("/swagger.json", StringComparison.OrdinalIgnoreCase);
            context.EnableOutputCaching = document;
            context.AllowCacheLookup = document;
            context.AllowCacheStorage = document;
            // Concurrent first requests wait for one to build the document rather than each building it.
            context.AllowLocking = true;
            context.CacheVaryByRules.VaryByHost = false;
            context.ResponseExpirationTimeSpan = Lifetime;
            return ValueTask.CompletedTask;
        }

        public ValueTask ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellation) => ValueTask.CompletedTask;

        public ValueTask ServeResponseAsync(OutputCacheContext context, CancellationToken cancellation)
        {
            context.AllowCacheStorage &= context.HttpContext.Response.StatusCode == StatusCodes.Status200OK;
            return ValueTask.CompletedTask;
        }
    }
}
