using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using FaceApi.Contracts;
using FaceApi.Errors;
using Microsoft.Extensions.Options;

namespace FaceApi.Auth;

/// <summary>
/// Asks for an <c>X-API-Key</c> header on every path but the open ones when keys are configured, and
/// answers 401 <c>unauthorized</c> otherwise. A middleware rather than an authentication scheme
/// because the rule is one header and a list of open path prefixes (Swagger and the metrics page
/// are middleware, not endpoints, so endpoint authorization metadata would not reach them).
/// </summary>
public sealed class ApiKeyMiddleware(RequestDelegate next, IOptions<ApiKeyOptions> options)
{
    /// <summary>The authentication type of callers that presented a valid key.</summary>
    public const string AuthenticationType = "ApiKey";

    // RFC 9110 §11.6.1: a 401 must say how to authenticate.
    private static readonly string Challenge = $"{AuthenticationType} header=\"{ApiKeyOptions.HeaderName}\"";

    private readonly ApiKeyOptions _options = options.Value;
    private readonly byte[][] _hashes = options.Value.ParseHashes();

    public async Task InvokeAsync(HttpContext context)
    {
        if (_hashes.Length == 0 || _options.IsOpen(context.Request.Path))
        {
            await next(context);
            return;
        }

        var presented = context.Request.Headers[ApiKeyOptions.HeaderName].ToString();
        if (presented.Length == 0)
        {
            await RefuseAsync(context, $"Send an API key in the {ApiKeyOptions.HeaderName} header.");
            return;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        if (!IsKnown(hash))
        {
            await RefuseAsync(context, "The API key is not valid.");
            return;
        }

        // The hash names the caller (rate-limit partition) without the key itself being kept.
        context.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, Convert.ToHexStringLower(hash))], AuthenticationType));
        await next(context);
    }

    // Every configured hash is compared, each in constant time, so the answer's timing says
    // nothing about how much of a hash matched or which entry did.
    private bool IsKnown(byte[] hash)
    {
        var known = false;
        foreach (var candidate in _hashes)
        {
            known |= CryptographicOperations.FixedTimeEquals(hash, candidate);
        }

        return known;
    }

    private static Task RefuseAsync(HttpContext context, string detail)
    {
        context.Response.Headers.WWWAuthenticate = Challenge;
        return ProblemDetailsSetup.Problem(StatusCodes.Status401Unauthorized, ProblemCode.Unauthorized, detail).ExecuteAsync(context);
    }
}
