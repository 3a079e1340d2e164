using System.Globalization;
using FaceApi.Core.Inference;

namespace FaceApi.Benchmarks;

/// <summary>Command-line settings of one benchmark run.</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        FaceApi benchmark (issue 4): raw model throughput, then end-to-end HTTP throughput and latency.

          dotnet run -c Release --project tests/FaceApi.Benchmarks -- [options]

          --model PATH         recognition model (IResNet-50 contract); default: build IResNet-50 into a temp file
          --detector PATH      SCRFD detector; default ../shared/testdata/models/scrfd_2.5g_bnkps.onnx
          --provider cpu|cuda  execution provider for the raw part and the service (cuda requires the GPU); default cpu
          --raw-only           measure only the raw model (no HTTP)
          --near-free          per-request cost (issue 11): a near-free model with w600k_r50's contract, 112x112
                               PNG crops to /embed?aligned=true, batching on and off taking turns for --rounds
                               runs at each --concurrency (default 64); no raw part, no photos
          --rounds N           interleaved on/off runs of --near-free; default 3
          --batch-sizes LIST   raw batch sizes; default 1,2,4,8,16,32,64
          --concurrency LIST   HTTP concurrency levels; default 1,4,16,64
          --workloads LIST     aligned, photos or both, batching on; default aligned,photos
          --off-concurrency LIST  concurrency levels of aligned crops with batching off; default 16
          --write-model PATH   only write the built model (IResNet-50, or the near-free one with --near-free) to PATH
          --raw-duration SECS  measured seconds per raw batch size (at least two runs); default 10
          --duration SECONDS   measured seconds per HTTP cell; default 20
          --warmup SECONDS     unmeasured seconds of the same load before each cell; default 5
          --out PATH           JSON results; default benchmark-results.json
          --service-dll PATH   run this build of the service (FaceApi.dll) instead of the one beside the benchmark,
                               e.g. main's build for a before/after comparison
          --set KEY=VALUE      extra service setting, e.g. --set FaceApi:Inference:PoolSize=2 (repeatable)
        """;

    public string? ModelPath { get; init; }

    public string? DetectorPath { get; init; }

    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    public bool RawOnly { get; init; }

    /// <summary>Measure the service's own cost per request with a near-free model instead of the IResNet-50 run.</summary>
    public bool NearFree { get; init; }

    /// <summary>Interleaved batching on/off runs of <see cref="NearFree"/>; their medians are reported.</summary>
    public int Rounds { get; init; } = 3;

    public IReadOnlyList<int> BatchSizes { get; init; } = [1, 2, 4, 8, 16, 32, 64];

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 4, 16, 64];

    /// <summary>Upload kinds measured with batching on: "aligned" (crops) and "photos".</summary>
    public IReadOnlyList<string> Workloads { get; init; } = ["aligned", "photos"];

    /// <summary>Concurrency levels of aligned crops with batching off (MaxBatchSize 1).</summary>
    public IReadOnlyList<int> OffConcurrency { get; init; } = [16];

    /// <summary>The service build to start; null: the FaceApi.dll built beside the benchmark.</summary>
    public string? ServiceAssembly { get; init; }

    /// <summary>Write the built model here and measure nothing.</summary>
    public string? WriteModelPath { get; init; }

    public TimeSpan RawDuration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan WarmUp { get; init; } = TimeSpan.FromSeconds(5);

    public string OutputPath { get; init; } = "benchmark-results.json";

    /// <summary>Service settings as configuration keys (FaceApi:Section:Key), applied to the raw part where they concern it.</summary>
    public IReadOnlyDictionary<string, string> ServiceSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Parses <paramref name="args"/>; null when they ask for help.</summary>
    /// <exception cref="ArgumentException">An option is unknown or malformed.</exception>
    public static BenchmarkOptions? Parse(IReadOnlyList<string> args)
    {
        var options = new BenchmarkOptions();
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            options = name switch
            {
                "--help" or "-h" => null,
                "--model" => options with { ModelPath = Path.GetFullPath(Value()) },
                "--detector" => options with { DetectorPath = Path.GetFullPath(Value()) },
                "--provider" => options with { Provider = ParseProvider(Value()) },
                "--raw-only" => options with { RawOnly = true },
                "--near-free" => options with { NearFree = true },
                "--rounds" => options with { Rounds = ParseList(name, Value()) is [var rounds] ? rounds : throw new ArgumentException($"{name} takes one number.") },
                "--batch-sizes" => options with { BatchSizes = ParseList(name, Value()) },
                "--concurrency" => options with { Concurrency = ParseList(name, Value()) },
                "--workloads" => options with { Workloads = ParseWorkloads(Value()) },
                "--off-concurrency" => options with { OffConcurrency = ParseList(name, Value()) },
                "--service-dll" => options with { ServiceAssembly = Path.GetFullPath(Value()) },
                "--write-model" => options with { WriteModelPath = Path.GetFullPath(Value()) },
                "--raw-duration" => options with { RawDuration = ParseSeconds(name, Value()) },
                "--duration" => options with { Duration = ParseSeconds(name, Value()) },
                "--warmup" => options with { WarmUp = ParseSeconds(name, Value()) },
                "--out" => options with { OutputPath = Path.GetFullPath(Value()) },
                "--set" => AddSetting(options, settings, Value()),
                _ => throw new ArgumentException($"Unknown option {name}."),
            };
            if (options is null)
            {
                return null;
            }
        }

        if (options.NearFree && !args.Contains("--concurrency"))
        {
            // Where the issue measures it: 64 clients saturate two cores with a near-free model.
            options = options with { Concurrency = [64] };
        }

        return options with { ServiceSettings = settings };
    }

    private static BenchmarkOptions AddSetting(BenchmarkOptions options, Dictionary<string, string> settings, string pair)
    {
        var equals = pair.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new ArgumentException($"--set takes KEY=VALUE; got '{pair}'.");
        }

        settings[pair[..equals]] = pair[(equals + 1)..];
        return options;
    }

    private static ExecutionProvider ParseProvider(string value) => value.ToLowerInvariant() switch
    {
        "cpu" => ExecutionProvider.Cpu,
        "cuda" => ExecutionProvider.Cuda,
        _ => throw new ArgumentException($"--provider is cpu or cuda; got '{value}'."),
    };

    private static string[] ParseWorkloads(string value)
    {
        var workloads = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return workloads.Length > 0 && workloads.All(w => w is "aligned" or "photos")
            ? workloads.Distinct().OrderBy(w => w == "photos").ToArray()
            : throw new ArgumentException($"--workloads takes aligned, photos or both; got '{value}'.");
    }

    private static int[] ParseList(string name, string value)
    {
        var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var numbers = new int[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            if (!int.TryParse(items[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]) || numbers[i] < 1)
            {
                throw new ArgumentException($"{name} takes positive integers separated by commas; got '{value}'.");
            }
        }

        return numbers.Length > 0 ? numbers : throw new ArgumentException($"{name} needs at least one value.");
    }

    private static TimeSpan ParseSeconds(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{name} takes seconds; got '{value}'.");
}
