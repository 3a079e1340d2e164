using System.Diagnostics;
using System.Net;
using FaceApi.Testing;
using FaceApi.Tests.Hardening;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Issue 13, item 3: 64 connections posting a 50 MB Content-Length at 1 KB/s (above Kestrel's minimum
/// rate) held every admission slot, and every real request got 503 <c>queue_full</c> for as long as
/// they lasted. Scaled: 2 slots, 8 slow uploads, a 4 s body deadline. Real requests are served while
/// the slow ones trickle, and the slow ones end with 408 <c>request_timeout</c> at the deadline.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class SlowUploadTests
{
    private const int Slots = 2;
    private const int SlowUploads = 8;
    private static readonly TimeSpan BodyReadTimeout = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Slow_uploads_hold_no_admission_slot_and_end_at_the_body_deadline()
    {
        await using var factory = new HardenedServiceFactory(new Dictionary<string, string?>
        {
            ["FaceApi:Admission:MaxConcurrentRequests"] = Slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FaceApi:Uploads:BodyReadTimeout"] = BodyReadTimeout.ToString(),
        });
        factory.UseKestrel(0);
        var client = await factory.CreateReadyClientAsync();
        var photo = TestData.ReadFacePhoto("obama.jpg");
        using var warmUp = await client.EmbedAsync(Requests.Multipart(photo));
        Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode);

        var started = Stopwatch.GetTimestamp();
        using var stopTrickling = new CancellationTokenSource();
        var slow = Enumerable.Range(0, SlowUploads).Select(_ => TrickleAsync(client.BaseAddress!, stopTrickling.Token)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);

        // While all the slow uploads are in progress, more real requests than there are slots, at once.
        var real = await Task.WhenAll(Enumerable.Range(0, Slots + 1).Select(async _ =>
        {
            var sent = Stopwatch.GetTimestamp();
            using var response = await client.EmbedAsync(Requests.Multipart(photo));
            return (response.StatusCode, Code: await response.ProblemCodeAsync(), Seconds: Stopwatch.GetElapsedTime(sent).TotalSeconds);
        }));
        var realDone = Stopwatch.GetElapsedTime(started);
        var slowAnswers = await Task.WhenAll(slow);
        await stopTrickling.CancelAsync();

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{SlowUploads} uploads at 1 KB/s, {Slots} slots: real requests {string.Join(", ", real.Select(r => $"{(int)r.StatusCode} {r.Code} in {r.Seconds:F2} s"))} " +
            $"(all done {realDone.TotalSeconds:F1} s after the slow ones began); slow ones answered {string.Join(", ", slowAnswers.Select(a => $"{a.Status} after {a.Seconds:F1} s"))}");
        // Admission refuses only when real requests overlap; with Slots + 1 sent at once one may be refused, never all.
        Assert.Contains(real, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(real, r => Assert.True(r.StatusCode == HttpStatusCode.OK || r.Code == "queue_full", $"{r.StatusCode} {r.Code}"));
        Assert.True(real.Count(r => r.StatusCode == HttpStatusCode.OK) >= Slots, "Fewer real requests served than there are slots.");
        Assert.All(slowAnswers, a =>
        {
            Assert.Equal(408, a.Status);
            Assert.Contains("\"code\":\"request_timeout\"", a.Body, StringComparison.Ordinal);
            // At the deadline, give or take a busy machine; not the minutes a 10 MB body at 1 KB/s would take.
            Assert.InRange(a.Seconds, BodyReadTimeout.TotalSeconds - 0.5, BodyReadTimeout.TotalSeconds + 20);
        });
    }

    // Announces a 10 MB multipart body (within /embed's limit) and sends 256 bytes every 250 ms.
    private static async Task<(int Status, string Body, double Seconds)> TrickleAsync(Uri service, CancellationToken stop)
    {
        using var connection = await RawHttpConnection.OpenAsync(service);
        var started = Stopwatch.GetTimestamp();
        await connection.SendHeadAsync("/embed", "multipart/form-data; boundary=slow", 10_000_000);
        var response = connection.ReadResponseAsync(TimeSpan.FromSeconds(60));
        var chunk = new byte[256];
        while (!response.IsCompleted && !stop.IsCancellationRequested)
        {
            try
            {
                await connection.SendAsync(chunk);
                await Task.Delay(250, stop);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                break;
            }
        }

        var (status, _, body) = await response;
        return (status, body, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
