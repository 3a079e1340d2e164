using System.Diagnostics;
using System.Globalization;
using FaceApi.Soak;
using FaceApi.Testing;

// Soak: the IResNet-50 recogniser (w600k_r50's architecture) behind a real service process, aligned
// crops (no detector cost), first a closed-loop capacity probe, then an open-loop load at a fraction
// of that capacity for minutes. Reports latency and resident memory per window; fails on any 5xx or
// on RSS growing more than 10% after warm-up.
var settings = SoakSettings.Parse(args);
var invariant = CultureInfo.InvariantCulture;
if (!TestData.IsAvailable)
{
    Console.Error.WriteLine(TestData.MissingMessage("the detector model and the photos"));
    return 2;
}

if (!File.Exists(settings.ModelPath))
{
    Console.WriteLine($"Building IResNet-50 (random weights) at {settings.ModelPath} ...");
    Directory.CreateDirectory(Path.GetDirectoryName(settings.ModelPath)!);
    IResNetModelBuilder.Build(IResNetSpec.IResNet50).Save(settings.ModelPath);
}

var crops = AlignedCrops.FromReferenceLandmarks();
var logPath = Path.Combine(Path.GetTempPath(), "faceapi-soak", "service.log");
await using var service = ServiceProcess.Start("faceapi", settings.ServiceDll, new Dictionary<string, string?>
{
    ["FaceApi__Models__Directory"] = TestData.Path("models"),
    ["FaceApi__Models__AutoDownload"] = "false",
    ["FaceApi__Detection__ModelPath"] = "scrfd_2.5g_bnkps.onnx",
    ["FaceApi__Recognition__ModelPath"] = settings.ModelPath,
    ["FaceApi__Recognition__Name"] = "iresnet50-random",
    ["FaceApi__Inference__Providers__0"] = "Cpu",
    // Per-request log lines would only measure the console; warnings and errors still show.
    ["Serilog__MinimumLevel__Default"] = "Warning",
}, logPath, settings.Port);

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue }) { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(120) };
// IResNet-50 loads and warms in 25-40 s on two cores (every warm-up batch size).
await service.WaitUntilReadyAsync(TimeSpan.FromMinutes(5), CancellationToken.None);
Console.WriteLine($"Service ready; RSS {service.Child.ResidentMiB():F0} MiB. Log: {logPath}");

// Capacity: 16 clients back to back (two CPU batches of 8) for 30 s after 10 s of warm-up.
await ClosedLoopAsync(TimeSpan.FromSeconds(10), clients: 16);
var probe = await ClosedLoopAsync(TimeSpan.FromSeconds(30), clients: 16);
var capacity = probe.Ok / 30.0;
var rate = capacity * settings.LoadFraction;
Console.WriteLine($"Capacity {capacity:F2} req/s (closed loop, 16 clients, 30 s: {probe.Ok} ok, p50 {probe.Window.Percentile(50):F0} ms). Soak at {settings.LoadFraction:P0}: {rate:F2} req/s for {settings.Duration.TotalMinutes:F0} min.");

var total = new LatencyWindow();
var current = new LatencyWindow();
var gate = new object();
using var inFlight = new SemaphoreSlim(settings.MaxInFlight);
var lateStarts = 0;
var pending = new List<Task>();
var clock = Stopwatch.StartNew();
var nextReport = settings.Window;
double? warmRss = null;
var serverErrors = 0;
var peakRss = 0.0;
Console.WriteLine("| minute | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | 5xx | other non-200 | RSS MiB |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (var i = 0L; clock.Elapsed < settings.Duration; i++)
{
    var due = TimeSpan.FromSeconds(i / rate);
    if (due > clock.Elapsed)
    {
        await Task.Delay(due - clock.Elapsed);
    }

    if (clock.Elapsed >= nextReport)
    {
        Report();
    }

    if (!inFlight.Wait(0))
    {
        lateStarts++;
        await inFlight.WaitAsync();
    }

    var crop = crops[(int)(i % crops.Count)];
    pending.Add(SendAsync(crop).ContinueWith(sent =>
    {
        inFlight.Release();
        lock (gate)
        {
            current.Add(sent.Result.Milliseconds, sent.Result.Status);
        }
    }, TaskScheduler.Default));
    pending.RemoveAll(task => task.IsCompleted);
}

await Task.WhenAll(pending);
Report();
var endRss = service.Child.ResidentMiB();
var growth = warmRss is { } warm ? (endRss - warm) / warm : 0;
Console.WriteLine();
Console.WriteLine($"After warm-up: {total.Count} requests; statuses {string.Join(", ", total.Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"))}; 5xx over the whole run, warm-up included: {serverErrors}; late starts: {lateStarts}.");
Console.WriteLine($"Latency over the run: p50 {total.Percentile(50):F0} ms, p95 {total.Percentile(95):F0} ms, p99 {total.Percentile(99):F0} ms, max {total.Max:F0} ms.");
Console.WriteLine($"RSS: {warmRss:F0} MiB after warm-up, {endRss:F0} MiB at the end ({growth:+0.0%;-0.0%}), peak {peakRss:F0} MiB.");
var passed = serverErrors == 0 && growth < 0.10 && !service.Child.HasExited;
Console.WriteLine(passed ? "SOAK PASSED" : "SOAK FAILED");
return passed ? 0 : 1;

void Report()
{
    LatencyWindow window;
    lock (gate)
    {
        window = current;
        current = new LatencyWindow();
    }

    serverErrors += window.ServerErrors;
    var rss = service.Child.ResidentMiB();
    peakRss = Math.Max(peakRss, rss);
    if (clock.Elapsed >= settings.WarmUp)
    {
        // The baseline is the first reading after warm-up; the totals leave out windows that began before it.
        warmRss ??= rss;
        if (nextReport - settings.Window >= settings.WarmUp)
        {
            total.AddRange(window);
        }
    }

    var minute = clock.Elapsed.TotalMinutes;
    var otherNon200 = window.Statuses.Where(s => s.Key is not 200 and < 500).Sum(s => s.Value);
    Console.WriteLine(string.Create(invariant,
        $"| {minute:F1} | {window.Count} | {window.Count / settings.Window.TotalSeconds:F2} | {window.Percentile(50):F0} | {window.Percentile(95):F0} | {window.Percentile(99):F0} | {window.Max:F0} | {window.ServerErrors} | {otherNon200} | {rss:F0} |"));
    nextReport += settings.Window;
}

async Task<(double Milliseconds, int Status)> SendAsync(byte[] crop)
{
    var started = Stopwatch.GetTimestamp();
    using var content = new MultipartFormDataContent { { new ByteArrayContent(crop), "image", "face.png" } };
    try
    {
        using var response = await http.PostAsync("/embed?aligned=true", content);
        await response.Content.ReadAsByteArrayAsync();
        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, (int)response.StatusCode);
    }
    catch (HttpRequestException)
    {
        // A refused or reset connection is a server failure for this report.
        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, 599);
    }
}

async Task<(int Ok, LatencyWindow Window)> ClosedLoopAsync(TimeSpan duration, int clients)
{
    var window = new LatencyWindow();
    var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async client =>
    {
        for (var n = client; Stopwatch.GetTimestamp() < until; n += clients)
        {
            var (ms, status) = await SendAsync(crops[n % crops.Count]);
            lock (window)
            {
                window.Add(ms, status);
            }
        }
    }));
    return (window.Statuses.GetValueOrDefault(200), window);
}
