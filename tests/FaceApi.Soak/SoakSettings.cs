using System.Globalization;

namespace FaceApi.Soak;

/// <summary>Command-line settings of a soak run; every one has a default but the service path.</summary>
internal sealed record SoakSettings(
    string ServiceDll,
    string ModelPath,
    int Port,
    TimeSpan Duration,
    double LoadFraction,
    TimeSpan Window,
    TimeSpan WarmUp,
    int MaxInFlight)
{
    public static SoakSettings Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);
        double Number(string name, double fallback) => double.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        return new SoakSettings(
            ServiceDll: values.TryGetValue("service", out var dll) ? Path.GetFullPath(dll) : throw new ArgumentException("--service <path to FaceApi.dll> is required."),
            ModelPath: Path.GetFullPath(Get("model", Path.Combine(Path.GetTempPath(), "faceapi-soak", "iresnet50.onnx"))),
            Port: (int)Number("port", 5391),
            Duration: TimeSpan.FromMinutes(Number("minutes", 10)),
            LoadFraction: Number("load", 0.7),
            Window: TimeSpan.FromSeconds(Number("window-seconds", 60)),
            // The first window absorbs JIT, ONNX Runtime arena growth and thread-pool ramp-up; RSS is compared after it.
            WarmUp: TimeSpan.FromSeconds(Number("warmup-seconds", 60)),
            // Far above the concurrency 70% load needs; reached only if the service stalls, and then reported as late starts.
            MaxInFlight: (int)Number("max-in-flight", 64));
    }
}
