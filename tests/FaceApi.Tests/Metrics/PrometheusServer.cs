using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FaceApi.Testing;

namespace FaceApi.Tests.Metrics;

/// <summary>
/// A real Prometheus, started as a child process on a loopback port with the shipped
/// deploy/prometheus/prometheus.yml pointed at one FaceApi instance, and queried through its HTTP
/// API (https://prometheus.io/docs/prometheus/latest/querying/api/). Disposing kills it and
/// deletes its configuration and storage.
/// </summary>
public sealed partial class PrometheusServer : IAsyncDisposable
{
    // The rendered configuration scrapes and evaluates rules every second, so a test waits seconds, not minutes.
    private const string Interval = "1s";

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http;

    private PrometheusServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>deploy/prometheus of this checkout: the configuration, alert rules and their unit tests that ship.</summary>
    public static string ShippedFolder => System.IO.Path.Combine(
        TestData.RepositoryRoot ?? throw new InvalidOperationException($"FaceApi.sln not found above {AppContext.BaseDirectory}."),
        "deploy",
        "prometheus");

    /// <summary>What Prometheus wrote to its console, for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts Prometheus scraping <paramref name="target"/> (host:port) with the shipped configuration
    /// and rules, and waits until it answers <c>/-/ready</c> (it answers 503 while its storage opens).
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(string executable, string target, TimeSpan timeout)
    {
        var shipped = ShippedFolder;
        var directory = Directory.CreateTempSubdirectory("faceapi-prometheus-").FullName;
        var port = LoopbackPort.Free();
        var listen = $"127.0.0.1:{port}";

        // rule_files name alerts.yml relative to the configuration file, so it goes beside the rendered copy.
        File.Copy(System.IO.Path.Combine(shipped, "alerts.yml"), System.IO.Path.Combine(directory, "alerts.yml"));
        var config = System.IO.Path.Combine(directory, "prometheus.yml");
        File.WriteAllText(config, RenderConfig(File.ReadAllText(System.IO.Path.Combine(shipped, "prometheus.yml")), target, listen));

        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in (string[])[
            $"--config.file={config}",
            $"--storage.tsdb.path={System.IO.Path.Combine(directory, "data")}",
            $"--web.listen-address={listen}"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var server = new PrometheusServer(process, directory, port);
        process.OutputDataReceived += (_, line) => server.Append(line.Data);
        process.ErrorDataReceived += (_, line) => server.Append(line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync(timeout);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>
    /// The shipped configuration, changed only where a test must differ from the compose deployment:
    /// the FaceApi job scrapes one static target instead of Docker's DNS, Prometheus scrapes itself at
    /// its test address, and both intervals are one second. Each change must match exactly once, so
    /// a reshaped shipped file fails here instead of being tested half-rendered.
    /// </summary>
    public static string RenderConfig(string shipped, string target, string selfAddress)
    {
        var rendered = ReplaceOnce(shipped, ScrapeInterval(), $"${{key}}: {Interval}", "global scrape_interval");
        rendered = ReplaceOnce(rendered, EvaluationInterval(), $"${{key}}: {Interval}", "global evaluation_interval");
        rendered = ReplaceOnce(rendered, FaceApiDnsDiscovery(), $"${{indent}}static_configs:\n${{indent}}  - targets: [\"{target}\"]\n", "faceapi dns_sd_configs");
        return ReplaceOnce(rendered, SelfTarget(), selfAddress, "prometheus self-scrape target");
    }

    /// <summary>The sample values of the instant vector <paramref name="promQl"/> yields.</summary>
    public async Task<IReadOnlyList<double>> QueryAsync(string promQl)
    {
        using var document = await GetJsonAsync($"/api/v1/query?query={Uri.EscapeDataString(promQl)}");
        var data = document.RootElement.GetProperty("data");
        Assert.Equal("vector", data.GetProperty("resultType").GetString());
        return data.GetProperty("result").EnumerateArray()
            .Select(sample => double.Parse(sample.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture))
            .ToArray();
    }

    /// <summary>Polls <paramref name="promQl"/> until it yields one sample that satisfies <paramref name="accept"/>; returns that value.</summary>
    public async Task<double> WaitForAsync(string promQl, Func<double, bool> accept, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var last = "no answer";
        while (DateTime.UtcNow < deadline)
        {
            var result = await QueryAsync(promQl);
            if (result.Count == 1 && accept(result[0]))
            {
                return result[0];
            }

            last = result.Count == 0 ? "an empty vector" : string.Join(", ", result);
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        Assert.Fail($"'{promQl}' did not reach the expected value within {timeout}; last: {last}.\nPrometheus log:\n{Log}");
        return double.NaN;
    }

    /// <summary>The rule groups Prometheus loaded, from <c>/api/v1/rules</c>.</summary>
    public Task<JsonDocument> RulesAsync() => GetJsonAsync("/api/v1/rules");

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            Assert.False(_process.HasExited, $"Prometheus exited at start:\n{Log}");
            try
            {
                using var response = await _http.GetAsync(new Uri("/-/ready", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"Prometheus was not ready within {timeout}:\n{Log}");
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    private async Task<JsonDocument> GetJsonAsync(string pathAndQuery)
    {
        using var response = await _http.GetAsync(new Uri(pathAndQuery, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{pathAndQuery} answered {(int)response.StatusCode}: {body}");
        var document = JsonDocument.Parse(body);
        Assert.Equal("success", document.RootElement.GetProperty("status").GetString());
        return document;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private static string ReplaceOnce(string text, Regex pattern, string replacement, string what)
    {
        var matches = pattern.Matches(text).Count;
        Assert.True(matches == 1, $"deploy/prometheus/prometheus.yml: expected one {what}, found {matches}; update PrometheusServer.RenderConfig.");
        return pattern.Replace(text, replacement);
    }

    [GeneratedRegex(@"(?<key>(?<![a-z_])scrape_interval): \S+")]
    private static partial Regex ScrapeInterval();

    [GeneratedRegex(@"(?<key>evaluation_interval): \S+")]
    private static partial Regex EvaluationInterval();

    // The dns_sd_configs block of the faceapi job: the key line and every deeper-indented line after it.
    [GeneratedRegex(@"(?m)^(?<indent>[ ]+)dns_sd_configs:\n(?:\k<indent>[ ]+\S.*\n)+")]
    private static partial Regex FaceApiDnsDiscovery();

    [GeneratedRegex("localhost:9090")]
    private static partial Regex SelfTarget();
}
