using System.Diagnostics;
using System.Net;
using FaceApi.Testing;

namespace FaceApi.Tests.Hardening;

/// <summary>A burst of ten times what the service admits: the excess is refused at once, the rest served.</summary>
[Collection(SerialCollection.Name)]
public sealed class OverloadTests
{
    private const int AdmittedRequests = 8;
    private const int QueueCapacity = 2;
    private const int Burst = 10 * AdmittedRequests;

    [Fact]
    public async Task A_burst_beyond_capacity_is_refused_quickly_with_queue_full_and_the_service_recovers()
    {
        await using var factory = new HardenedServiceFactory(new Dictionary<string, string?>(LoadTestModel.Settings(QueueCapacity))
        {
            ["FaceApi:Admission:MaxConcurrentRequests"] = AdmittedRequests.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var client = await factory.CreateReadyClientAsync();
        var crops = AlignedCrops.FromReferenceLandmarks();
        for (var i = 0; i < 3; i++)
        {
            using var warmUp = await client.EmbedAsync(Requests.Multipart(crops[i], fileName: "crop.png"), "?aligned=true");
            Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);
        }

        var memoryBefore = Memory();
        // Twice: the first burst in a fresh process also pays for compiling the refusal path and growing the thread pool.
        var cold = await BurstAsync(client, crops);
        var warm = await BurstAsync(client, crops);
        var memoryAfter = Memory();

        foreach (var (name, answers) in new[] { ("First", cold), ("Second", warm) })
        {
            var accepted = answers.Where(a => a.Status == HttpStatusCode.OK).ToArray();
            var rejected = answers.Where(a => a.Status != HttpStatusCode.OK).ToArray();
            Assert.All(rejected, a =>
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status);
                Assert.Equal("queue_full", a.Code);
                Assert.Equal(TimeSpan.FromSeconds(1), a.RetryAfter);
            });
            Assert.NotEmpty(accepted);
            Assert.NotEmpty(rejected);
            var rejection = Percentiles(rejected.Select(a => a.Milliseconds));
            var service = Percentiles(accepted.Select(a => a.Milliseconds));
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{name} burst of {Burst} (admission {AdmittedRequests}, queue {QueueCapacity}, batches of 1): {accepted.Length} accepted, {rejected.Length} rejected. " +
                $"Rejections p50 {rejection.P50:F1} ms, p99 {rejection.P99:F1} ms; accepted p50 {service.P50:F0} ms, p99 {service.P99:F0} ms, max {service.Max:F0} ms.");
            // A refusal must come sooner than being served would have: that is the point of refusing.
            Assert.True(rejection.P50 < service.P50, $"{name} burst: rejections p50 {rejection.P50:F0} ms, accepted p50 {service.P50:F0} ms.");
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Managed heap {memoryBefore.HeapMiB:F0} -> {memoryAfter.HeapMiB:F0} MiB, working set {memoryBefore.WorkingSetMiB:F0} -> {memoryAfter.WorkingSetMiB:F0} MiB.");
        Assert.True(memoryAfter.WorkingSetMiB - memoryBefore.WorkingSetMiB < 200, "The bursts grew the working set by more than 200 MiB.");

        for (var i = 0; i < 5; i++)
        {
            using var after = await client.EmbedAsync(Requests.Multipart(crops[i % crops.Count], fileName: "crop.png"), "?aligned=true");
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        }
    }

    private static async Task<(HttpStatusCode Status, string? Code, TimeSpan? RetryAfter, double Milliseconds)[]> BurstAsync(HttpClient client, IReadOnlyList<byte[]> crops)
    {
        // Every request waits on one gate, so the burst arrives at once rather than as fast as tasks start.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var burst = Enumerable.Range(0, Burst).Select(async i =>
        {
            await gate.Task;
            var watch = Stopwatch.StartNew();
            using var response = await client.EmbedAsync(Requests.Multipart(crops[i % crops.Count], fileName: "crop.png"), "?aligned=true");
            var code = await response.ProblemCodeAsync();
            return (response.StatusCode, code, response.Headers.RetryAfter?.Delta, watch.Elapsed.TotalMilliseconds);
        }).ToArray();
        gate.SetResult();
        return await Task.WhenAll(burst);
    }

    private static (double HeapMiB, double WorkingSetMiB) Memory()
    {
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true) / 1048576.0, process.WorkingSet64 / 1048576.0);
    }

    private static (double P50, double P99, double Max) Percentiles(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        double At(double p) => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        return (At(0.50), At(0.99), sorted.LastOrDefault());
    }
}
