using System.Security.Cryptography;
using System.Text;

namespace FaceApi.Hosting;

/// <summary>
/// Tells the service's own start-up warm-up requests from traffic, so that no request log line, HTTP or
/// <c>faceapi_*</c> series, or rate limit counts them: <see cref="LoopbackWarmUp"/>'s requests, which
/// carry <see cref="HeaderName"/> with this process's random <see cref="Token"/> (it never leaves the
/// process), and <see cref="Errors.ErrorAnswerWarmUp"/>'s in-process answer, which marks itself. The
/// runtime's and ASP.NET Core's own exception counters still see their throws.
/// </summary>
public sealed class WarmUpRequests
{
    public const string HeaderName = "X-FaceApi-Warm-Up";

    // A key no client can set: HttpContext.Items is the server's own state.
    private static readonly object Marker = new();

    // Token's bytes, for a comparison that takes the same time however much of a guess is right.
    private readonly byte[] _token;

    public WarmUpRequests() => _token = Encoding.ASCII.GetBytes(Token);

    /// <summary>The value of <see cref="HeaderName"/> that marks a warm-up request.</summary>
    /// <remarks>128 random bits: a client cannot guess it, and a wrong guess only gets its request counted.</remarks>
    public string Token { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    /// <summary>Whether <paramref name="context"/> is a warm-up's, not a client's.</summary>
    public static bool IsWarmUp(HttpContext context) => context.Items.ContainsKey(Marker);

    /// <summary>Marks an in-process warm-up's context.</summary>
    public static void Mark(HttpContext context) => context.Items[Marker] = true;

    /// <summary>Middleware that marks requests carrying the token: first in the pipeline, before anything counts or logs them.</summary>
    public Task MarkAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Request.Headers.TryGetValue(HeaderName, out var sent)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(sent.ToString()), _token))
        {
            Mark(context);
        }

        return next(context);
    }
}
