using System.Net;
using FaceApi.Core.Imaging;
using FaceApi.Hosting;
using FaceApi.Testing;
using FaceApi.Uploads;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// A replica whose memory limit is below what its budgets allow runs out of memory under a large body:
/// here the managed heap is capped at 112 MiB (<c>DOTNET_GCHeapHardLimit</c>, what a container's memory
/// limit sets at 75 %) while the body budget allows one maximal JSON /verify at its peak, 57 MB of chunks
/// and the 57 MB array they are copied into. That copy fails. It used to be answered 500
/// <c>internal_error</c>, and its 57 MB stayed reserved in the budget for good, so every later body over
/// what was left was refused as <c>body_budget</c>. Now it is a 503 <c>queue_full</c> with
/// <c>Retry-After</c>, counted as <c>faceapi_rejections_total{reason="out_of_memory"}</c> and logged as an
/// error for the operator, and a body that fits the memory is served afterwards. Its own process, because
/// the heap limit is the process's.
/// </summary>
public sealed class OutOfMemoryTests
{
    // 112 MiB: the maximal body's peak (114 MB) cannot fit beside the service's own heap, while a 33 MB
    // body's (66 MB) fits with about 20 MB to spare beside the 25 to 30 MB the service holds (measured
    // on the 2-core development VM, 2 December 2026: 42 MB fitted, 46 MB did not).
    private const string HeapHardLimit = "0x7000000";

    private const int FittingBodyBytes = 33_000_000;

    [Fact]
    public async Task A_body_the_heap_cannot_hold_is_refused_as_503_queue_full_and_leaves_the_budget_whole()
    {
        TestData.RequireAvailable();
        var maximalBody = RequestLimits.MaxBodyBytes(new ImageDecodingOptions().MaxEncodedBytes);
        // The smallest budget start-up accepts (MaxBufferedBytesValidation): one maximal body at its peak.
        // The 57 MB the failed copy left reserved would leave less than the fitting body's 66 MB.
        var budget = PooledStreamReader.PeakBytes(maximalBody);
        Assert.True(budget - UploadBuffers.LengthOf((int)maximalBody) < PooledStreamReader.PeakBytes(FittingBodyBytes), "the fitting body must not fit beside a leaked copy");
        var settings = TestModelSettings.Create();
        settings["FaceApi:Inference:Providers:0"] = "Cpu";
        settings["FaceApi:Uploads:MaxBufferedBytes"] = budget.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["DOTNET_GCHeapHardLimit"] = HeapHardLimit;
        await using var service = ServiceProcess.Start("out-of-memory", ServiceProcess.HostAssemblyBesideThisProgram(), settings);
        await service.WaitUntilReadyAsync(ServiceReadiness.StartTimeout, TestContext.Current.CancellationToken);
        using var client = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromMinutes(2) };

        using (var tooLarge = await client.PostAsync("/verify", PaddedVerifyBody.AsJson(PaddedVerifyBody.Create(maximalBody)), TestContext.Current.CancellationToken))
        {
            await tooLarge.IsProblemAsync(HttpStatusCode.ServiceUnavailable, "queue_full");
            Assert.Equal("1", tooLarge.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using (var fitting = await client.PostAsync("/verify", PaddedVerifyBody.AsJson(PaddedVerifyBody.Create(FittingBodyBytes)), TestContext.Current.CancellationToken))
        {
            Assert.True(fitting.StatusCode == HttpStatusCode.OK, $"{(int)fitting.StatusCode}: {await fitting.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        }

        var exposition = await client.GetStringAsync("/metrics", TestContext.Current.CancellationToken);
        Assert.Contains("faceapi_rejections_total{reason=\"out_of_memory\"} 1", exposition, StringComparison.Ordinal);
        Assert.Contains("faceapi_rejections_total{reason=\"body_budget\"} 0", exposition, StringComparison.Ordinal);
        await service.StopAsync(TimeSpan.FromMinutes(1));
        Assert.Contains(service.Child.OutputLines, line => line.Contains("ERR] Out of memory serving a request", StringComparison.Ordinal));
        Assert.DoesNotContain(service.Child.OutputLines, line => line.Contains("Unhandled error", StringComparison.Ordinal));
    }
}
