namespace FaceApi.Tests.Deployment;

/// <summary>
/// One line of the access log that deploy/nginx/render-loopback.sh configures:
/// <c>$request_method $uri $status "$upstream_addr" "$upstream_status"</c>. When nginx tried
/// several upstreams for a request, both variables list them in order, separated by ", ".
/// </summary>
internal sealed record NginxAccessLogEntry(string Method, string Path, int Status, IReadOnlyList<string> Upstreams, IReadOnlyList<string> UpstreamStatuses)
{
    /// <summary>True when nginx sent the request to more than one upstream (proxy_next_upstream).</summary>
    public bool WasRetried => Upstreams.Count > 1;

    public static NginxAccessLogEntry Parse(string line)
    {
        var quoted = line.Split('"');
        var head = quoted[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (quoted.Length < 4 || head.Length != 3)
        {
            throw new FormatException($"Unexpected access log line: {line}");
        }

        return new NginxAccessLogEntry(head[0], head[1], int.Parse(head[2], System.Globalization.CultureInfo.InvariantCulture), SplitList(quoted[1]), SplitList(quoted[3]));
    }

    // "-" when no upstream was involved; " : " separates the lists of an internal redirect.
    private static string[] SplitList(string value) => value == "-"
        ? []
        : value.Split([", ", " : "], StringSplitOptions.RemoveEmptyEntries);
}
