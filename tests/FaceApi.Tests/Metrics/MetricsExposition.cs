using System.Globalization;
using System.Text.RegularExpressions;

namespace FaceApi.Tests.Metrics;

/// <summary>
/// One read of <c>/metrics</c>, parsed from the Prometheus text exposition format
/// (https://prometheus.io/docs/instrumenting/exposition_formats/): one sample per line,
/// <c>name{label="value",...} number</c>, comments starting with <c>#</c>.
/// </summary>
public sealed partial class MetricsExposition
{
    private readonly Dictionary<string, double> _samples;

    private MetricsExposition(Dictionary<string, double> samples, string text)
    {
        _samples = samples;
        Text = text;
    }

    /// <summary>The exposition as served.</summary>
    public string Text { get; }

    public static async Task<MetricsExposition> ReadAsync(HttpClient client, string path = "/metrics")
    {
        var text = await client.GetStringAsync(new Uri(path, UriKind.RelativeOrAbsolute));
        return Parse(text);
    }

    public static MetricsExposition Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = Sample().Match(line);
            Assert.True(match.Success, $"Not a sample line of the text format: {line}");
            var labels = Label().Matches(match.Groups["labels"].Value).Select(label => (label.Groups["name"].Value, label.Groups["value"].Value));
            samples[Key(match.Groups["name"].Value, labels)] = ParseValue(match.Groups["value"].Value);
        }

        return new MetricsExposition(samples, text);
    }

    /// <summary>The sample with exactly these labels, or null when the series is absent.</summary>
    public double? Find(string name, params (string Name, string Value)[] labels) =>
        _samples.TryGetValue(Key(name, labels), out var value) ? value : null;

    /// <summary>The sample with exactly these labels; fails the test when the series is absent, so a renamed metric cannot read as 0.</summary>
    public double Value(string name, params (string Name, string Value)[] labels) =>
        Find(name, labels) ?? throw new Xunit.Sdk.XunitException($"No series {Key(name, labels)} in the exposition:\n{Text}");

    /// <summary>
    /// How far a series moved since <paramref name="before"/>. The metric must be exposed now (some
    /// series of that name), so a renamed metric fails instead of reading as 0; one labelled series
    /// may be absent and counts as 0, because prometheus-net shows it only once it is first used.
    /// </summary>
    public double Delta(MetricsExposition before, string name, params (string Name, string Value)[] labels)
    {
        if (!_samples.Keys.Any(key => key == name || key.StartsWith(name + "{", StringComparison.Ordinal)))
        {
            throw new Xunit.Sdk.XunitException($"No metric {name} in the exposition:\n{Text}");
        }

        return (Find(name, labels) ?? 0) - (before.Find(name, labels) ?? 0);
    }

    private static double ParseValue(string value) => value switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static string Key(string name, IEnumerable<(string Name, string Value)> labels)
    {
        var sorted = labels.OrderBy(label => label.Name, StringComparer.Ordinal).Select(label => $"{label.Name}=\"{label.Value}\"").ToArray();
        return sorted.Length == 0 ? name : $"{name}{{{string.Join(',', sorted)}}}";
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$""")]
    private static partial Regex Sample();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)",?""")]
    private static partial Regex Label();
}
