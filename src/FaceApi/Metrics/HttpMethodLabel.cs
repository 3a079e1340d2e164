namespace FaceApi.Metrics;

/// <summary>
/// The bounded set of HTTP methods the <c>http_request_*</c> metrics label requests with. The method
/// is whatever token the client sends (RFC 9110 §9.1 lets it be any token), so labelling by it
/// raw lets anyone, without a key, add series at will: 60,000 made-up methods made 1.02 M series
/// and a 148 MB <c>/metrics</c> page (issue 13).
/// </summary>
public static class HttpMethodLabel
{
    /// <summary>The label of every method outside the known set.</summary>
    public const string Other = "other";

    // The methods of RFC 9110 §9.3 a client of this API can mean, plus PATCH (RFC 5789). TRACE and
    // CONNECT are left out: no route here answers them, so "other" says as much.
    private static readonly string[] Known =
    [
        HttpMethods.Get, HttpMethods.Post, HttpMethods.Head, HttpMethods.Put,
        HttpMethods.Delete, HttpMethods.Options, HttpMethods.Patch,
    ];

    /// <summary>The canonical spelling of a known method (routing compares methods case-insensitively), else <see cref="Other"/>.</summary>
    public static string For(string method)
    {
        foreach (var known in Known)
        {
            if (string.Equals(method, known, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return Other;
    }
}
