using System.Diagnostics;
using System.Globalization;
using System.Net;
using FaceApi.Testing;
using FaceApi.Tests.Metrics;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// A burst of ten times what the service admits: the excess is refused at once with 503
/// <c>queue_full</c>, the rest served. Two limits answer that way, the admission of requests and the
/// batch queue of faces; each test opens one of them wide, and the batch queue's own rejection
/// counter tells which one refused.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class OverloadTests
{
    private const int AdmittedRequests = 8;
    private const int QueueCapacity = 2;
    private const int Burst = 10 * AdmittedRequests;

    // Far more than the burst: a limit set to this never refuses it.
    private const int Wide = 10 * Burst;

    private static readonly (string, string) QueueFull = ("reason", "queue_full");

    [Fact]
    public async Task A_burst_beyond_the_admission_limit_is_refused_by_admission_and_the_service_recovers()
    {
        await using var factory = new HardenedServiceFactory(new Dictionary<string, string?>(LoadTestModel.Settings(Wide))
        {
            ["FaceApi:Admission:MaxConcurrentRequests"] = AdmittedRequests.ToString(CultureInfo.InvariantCulture),
        });

        var (answers, queueRejections) = await BurstTwiceAsync(factory);

        Assert.All(answers, burst => Assert.Contains(burst, a => a.Status != HttpStatusCode.OK));
        Assert.True(queueRejections == 0, $"The batch queue (capacity {Wide}) refused {queueRejections} faces: admission should have refused first.");
    }

    [Fact]
    public async Task A_burst_beyond_the_batch_queue_is_refused_by_the_queue_and_the_service_recovers()
    {
        await using var factory = new HardenedServiceFactory(new Dictionary<string, string?>(LoadTestModel.Settings(QueueCapacity))
        {
            ["FaceApi:Admission:MaxConcurrentRequests"] = Wide.ToString(CultureInfo.InvariantCulture),
        });

        var (answers, queueRejections) = await BurstTwiceAsync(factory);

        var refused = answers.Sum(burst => burst.Count(a => a.Status != HttpStatusCode.OK));
        Assert.True(refused > 0, "No request was refused: the queue of 2 never filled.");
        // One face per request: every refusal is one face the queue turned away.
        Assert.Equal(refused, queueRejections);
    }

    /// <summary>
    /// Two bursts (the first in a fresh process also pays for compiling the refusal path and growing
    /// the thread pool), each checked; returns the answers and how many faces the batch queue refused.
    /// </summary>
    private static async Task<(Answer[][] Answers, double QueueRejections)> BurstTwiceAsync(HardenedServiceFactory factory)
    {
        var client = await factory.CreateReadyClientAsync();
        var crops = AlignedCrops.FromReferenceLandmarks();
        for (var i = 0; i < 3; i++)
        {
            using var warmUp = await client.EmbedAsync(Requests.Multipart(crops[i], fileName: "crop.png"), "?aligned=true");
            Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);
        }

        var before = await MetricsExposition.ReadAsync(client);
        var memoryBefore = Memory();
        Answer[][] bursts = [await BurstAsync(client, crops), await BurstAsync(client, crops)];
        var memoryAfter = Memory();
        var after = await MetricsExposition.ReadAsync(client);

        foreach (var (name, answers) in new[] { ("First", bursts[0]), ("Second", bursts[1]) })
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
            var rejection = rejected.Select(a => a.Milliseconds).ToArray();
            var service = accepted.Select(a => a.Milliseconds).ToArray();
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{name} burst of {Burst}: {accepted.Length} accepted, {rejected.Length} rejected. " +
                $"Rejections p50 {Percentiles.Of(rejection, 0.5):F1} ms, p99 {Percentiles.Of(rejection, 0.99):F1} ms; " +
                $"accepted p50 {Percentiles.Of(service, 0.5):F0} ms, p99 {Percentiles.Of(service, 0.99):F0} ms.");
            // A refusal must come sooner than being served would have: that is the point of refusing.
            if (rejected.Length > 0)
            {
                Assert.True(
                    Percentiles.Of(rejection, 0.5) < Percentiles.Of(service, 0.5),
                    $"{name} burst: rejections p50 {Percentiles.Of(rejection, 0.5):F0} ms, accepted p50 {Percentiles.Of(service, 0.5):F0} ms.");
            }
        }

        // Refusing costs no memory: a generous bound (typically a few MiB; printed) catches a burst
        // that buffers every refused body.
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Managed heap {memoryBefore.HeapMiB:F0} -> {memoryAfter.HeapMiB:F0} MiB, working set {memoryBefore.WorkingSetMiB:F0} -> {memoryAfter.WorkingSetMiB:F0} MiB.");
        Assert.True(memoryAfter.WorkingSetMiB - memoryBefore.WorkingSetMiB < 200, "The bursts grew the working set by more than 200 MiB.");

        for (var i = 0; i < 5; i++)
        {
            using var recovered = await client.EmbedAsync(Requests.Multipart(crops[i % crops.Count], fileName: "crop.png"), "?aligned=true");
            Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        }

        return (bursts, after.Delta(before, "faceapi_rejections_total", QueueFull));
    }

    private static async Task<Answer[]> BurstAsync(HttpClient client, IReadOnlyList<byte[]> crops)
    {
        // Every request waits on one gate, so the burst arrives at once rather than as fast as tasks start.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var burst = Enumerable.Range(0, Burst).Select(async i =>
        {
            await gate.Task;
            var watch = Stopwatch.StartNew();
            using var response = await client.EmbedAsync(Requests.Multipart(crops[i % crops.Count], fileName: "crop.png"), "?aligned=true");
            var code = await response.ProblemCodeAsync();
            return new Answer(response.StatusCode, code, response.Headers.RetryAfter?.Delta, watch.Elapsed.TotalMilliseconds);
        }).ToArray();
        gate.SetResult();
        return await Task.WhenAll(burst);
    }

    private static (double HeapMiB, double WorkingSetMiB) Memory()
    {
        using var process = Process.GetCurrentProcess();
        return (GC.GetTotalMemory(forceFullCollection: true) / 1048576.0, process.WorkingSet64 / 1048576.0);
    }

    private sealed record Answer(HttpStatusCode Status, string? Code, TimeSpan? RetryAfter, double Milliseconds);
}
