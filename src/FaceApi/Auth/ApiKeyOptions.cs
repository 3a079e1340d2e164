using System.ComponentModel.DataAnnotations;

namespace FaceApi.Auth;

/// <summary>
/// Optional API keys (configuration section <c>FaceApi:Auth</c>). The service stores only SHA-256
/// hashes of the keys, so a leaked configuration does not leak a usable key. Generate one with
/// <c>printf %s "$KEY" | sha256sum</c>.
/// </summary>
public sealed class ApiKeyOptions : IValidatableObject
{
    /// <summary>The header that carries the key.</summary>
    public const string HeaderName = "X-API-Key";

    // A SHA-256 digest is 32 bytes, 64 hex digits (FIPS 180-4).
    private const int HashBytes = 32;

    private static readonly string[] DefaultOpenPaths = ["/health/live", "/health/ready", "/metrics", "/swagger"];

    /// <summary>Hex SHA-256 hashes of the accepted keys. Empty: no key is asked for.</summary>
    public IList<string> ApiKeys { get; set; } = [];

    /// <summary>
    /// Path prefixes served without a key. Null (unset) means health, metrics and Swagger, which
    /// probes and scrapers reach without credentials. Null rather than pre-filled because the
    /// configuration binder appends to a list that already has items, so a pre-filled default
    /// could never be narrowed.
    /// </summary>
    public IList<string>? OpenPaths { get; set; }

    /// <summary>The open path prefixes in force.</summary>
    public IReadOnlyList<string> EffectiveOpenPaths => OpenPaths?.ToArray() ?? DefaultOpenPaths;

    /// <summary>Whether <paramref name="path"/> is served without a key.</summary>
    public bool IsOpen(PathString path) =>
        EffectiveOpenPaths.Any(open => path.StartsWithSegments(open, StringComparison.OrdinalIgnoreCase));

    /// <summary>The configured hashes as bytes; call after validation.</summary>
    public byte[][] ParseHashes() => ApiKeys.Select(Convert.FromHexString).ToArray();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < ApiKeys.Count; i++)
        {
            var hash = ApiKeys[i];
            if (hash.Length != 2 * HashBytes || !hash.All(char.IsAsciiHexDigit))
            {
                // The value itself is not echoed: it may be a key pasted by mistake instead of its hash.
                yield return new ValidationResult(
                    $"FaceApi:Auth:ApiKeys:{i} is not a SHA-256 hash (64 hex digits). Store the hash of a key, never the key: printf %s \"$KEY\" | sha256sum.",
                    [nameof(ApiKeys)]);
            }
        }

        foreach (var open in EffectiveOpenPaths)
        {
            if (!open.StartsWith('/'))
            {
                yield return new ValidationResult($"FaceApi:Auth:OpenPaths entry '{open}' must start with '/'.", [nameof(OpenPaths)]);
            }
        }
    }
}
