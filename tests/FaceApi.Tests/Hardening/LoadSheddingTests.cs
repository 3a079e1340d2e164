using System.Diagnostics;
using System.Globalization;
using System.Net;
using FaceApi.Testing;
using FaceApi.Tests.Abuse;
using FaceApi.Tests.Metrics;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// Issue 13, items 8 and 10: under a photo burst a request is either served within MaxQueueTime plus
/// its own service time or refused at once with 503 queue_full, and every refusal is counted in
/// faceapi_rejections_total under the limit that refused it. Real test models, real photos.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class LoadSheddingTests
{
    // Four faces, as in the issue's reproduction; small enough to decode in milliseconds.
    private const string Photo = "obama_family.jpg";
    private static readonly TimeSpan MaxQueueTime = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_photo_burst_of_ten_times_capacity_is_served_within_max_queue_time_or_refused_at_once()
    {
        await using var factory = new HardenedServiceFactory(new Dictionary<string, string?>
        {
            ["FaceApi:Admission:MaxQueueTime"] = MaxQueueTime.ToString("c", CultureInfo.InvariantCulture),
            // Only the expected wait may refuse: the request cap and the face queue stay out of reach.
            ["FaceApi:Admission:MaxConcurrentRequests"] = "10000",
            ["FaceApi:Batching:QueueCapacity"] = "100000",
        });
        var client = await factory.CreateReadyClientAsync();
        var photo = TestData.ReadFacePhoto(Photo);

        // One request at a time: the service time of one photo on this machine, and the estimates warm.
        var alone = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var (status, _, _, milliseconds) = await SendAsync(client, photo);
            Assert.Equal(HttpStatusCode.OK, status);
            alone.Add(milliseconds);
        }

        var serviceTime = TimeSpan.FromMilliseconds(alone.Order().ElementAt(alone.Count / 2));
        var capacity = (int)Math.Ceiling(MaxQueueTime / serviceTime) + 1;
        var burst = 10 * capacity;
        var before = await MetricsExposition.ReadAsync(client);

        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var requests = Enumerable.Range(0, burst).Select(async _ =>
        {
            await gate.Task;
            return await SendAsync(client, photo);
        }).ToArray();
        gate.SetResult();
        var answers = await Task.WhenAll(requests);
        var after = await MetricsExposition.ReadAsync(client);

        var accepted = answers.Where(a => a.Status == HttpStatusCode.OK).Select(a => a.Milliseconds).Order().ToArray();
        var refused = answers.Where(a => a.Status != HttpStatusCode.OK).ToArray();
        Assert.All(refused, a =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status);
            Assert.Equal("queue_full", a.Code);
            Assert.NotNull(a.RetryAfter);
        });
        var refusedTimes = refused.Select(a => a.Milliseconds).Order().ToArray();
        var shed = after.Value("faceapi_rejections_total", ("reason", "expected_wait")) - before.Value("faceapi_rejections_total", ("reason", "expected_wait"));
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"Service time alone {serviceTime.TotalMilliseconds:F0} ms (median of 5), MaxQueueTime {MaxQueueTime.TotalMilliseconds:F0} ms, capacity {capacity}, burst {burst}: " +
            $"{accepted.Length} accepted, p50 {At(accepted, 0.5):F0} ms, p99 {At(accepted, 0.99):F0} ms, max {accepted.LastOrDefault():F0} ms; " +
            $"{refused.Length} refused, p50 {At(refusedTimes, 0.5):F1} ms, p99 {At(refusedTimes, 0.99):F1} ms, max {refusedTimes.LastOrDefault():F1} ms, " +
            $"Retry-After {string.Join('/', refused.Select(a => a.RetryAfter!.Value.TotalSeconds).Distinct().Order())} s; expected_wait rejections counted {shed}.");

        Assert.NotEmpty(accepted);
        Assert.NotEmpty(refused);
        Assert.Equal(refused.Length, shed);
        // Refusals come before any decoding or detection: sooner than the photos served in the same burst,
        // on the same loaded cores (the issue's 100 ms target is for a quiet machine; the figures are printed).
        Assert.True(At(refusedTimes, 0.99) < At(accepted, 0.5), "Refusals took longer than serving a photo in the same burst.");
        // Accepted requests waited at most about MaxQueueTime for the work ahead, then their own service time;
        // under a burst the service time itself grows (two cores shared by decoding, detection, embedding and
        // the test's own client), so the bound allows twice that.
        var bound = 2 * (MaxQueueTime + serviceTime).TotalMilliseconds;
        Assert.True(At(accepted, 0.99) <= bound, $"Accepted p99 {At(accepted, 0.99):F0} ms is over {bound:F0} ms.");

        // Recovery at once: the next photo is served, with no backlog left behind.
        var next = await SendAsync(client, photo);
        Assert.Equal(HttpStatusCode.OK, next.Status);
        TestContext.Current.TestOutputHelper?.WriteLine($"Next photo after the burst: {next.Milliseconds:F0} ms.");
    }

    [Fact]
    public async Task An_embed_is_refused_by_expected_wait_before_its_body_is_read()
    {
        await using var factory = OneImageOverTheLimit();
        factory.UseKestrel(0);
        var client = await factory.CreateReadyClientAsync();
        // A body that is not multipart at all: read, it can only get 400. Refused before it is read, it gets 503.
        using var unreadable = new ByteArrayContent("not a multipart body"u8.ToArray());
        unreadable.Headers.ContentType = new("multipart/form-data") { Parameters = { new("boundary", "x") } };

        // With nothing queued the body is read, and refused for what it is (its place in line given back).
        using (var idle = await client.EmbedAsync(unreadable))
        {
            Assert.Equal("invalid_request", await idle.ProblemCodeAsync());
        }

        // A 10-megapixel photo holds the image stage's line from the moment it is let in through its decode and
        // detection; while it is there, the same unreadable body is refused by the wait ahead of it without being read.
        // The refusal is returned, not thrown (QueueFullResult), and still answered as a thrown one is:
        // Retry-After, and counted both as a problem and as a rejection by its reason.
        var before = await MetricsExposition.ReadAsync(client);
        using var photo = await LetInAsync(client, TestData.ReadFacePhoto("group_10mpx.jpg"));
        await photo.Connection.SendAsync(photo.Body);
        var served = photo.Connection.ReadResponseAsync(TimeSpan.FromSeconds(120));
        var answers = new List<(string? Code, TimeSpan? RetryAfter)>();
        var badQueries = new List<string?>();
        while (!served.IsCompleted)
        {
            using var answer = await client.EmbedAsync(unreadable);
            answers.Add((await answer.ProblemCodeAsync(), answer.Headers.RetryAfter?.Delta));
            // A query the endpoint rejects is rejected first, overloaded or not: a client retries a 503,
            // and no retry of this request could succeed.
            using var badQuery = await client.EmbedAsync(unreadable, "?maxFaces=0");
            badQueries.Add(await badQuery.ProblemCodeAsync());
        }

        var (status, _, text) = await served;
        var after = await MetricsExposition.ReadAsync(client);
        var codes = answers.ConvertAll(answer => answer.Code);
        var refused = answers.FindAll(answer => answer.Code == "queue_full");
        TestContext.Current.TestOutputHelper?.WriteLine($"While the photo was in: {string.Join(", ", codes.CountBy(code => code ?? "200").Select(pair => $"{pair.Value} x {pair.Key}"))}.");
        Assert.True(status == 200, $"{status} {text}");
        Assert.NotEmpty(refused);
        Assert.All(codes, code => Assert.Contains(code, new[] { "queue_full", "invalid_request" }));
        Assert.All(badQueries, code => Assert.Equal("invalid_request", code));
        Assert.All(refused, answer => Assert.True(answer.RetryAfter >= TimeSpan.FromSeconds(1), $"Retry-After {answer.RetryAfter}"));
        Assert.Equal(
            (refused.Count, refused.Count),
            (after.Delta(before, "faceapi_rejections_total", ("reason", "expected_wait")), after.Delta(before, "faceapi_errors_total", ("code", "queue_full"))));
    }

    [Fact]
    public async Task A_photo_let_in_before_its_body_arrived_holds_its_place_in_line_while_it_uploads()
    {
        await using var factory = OneImageOverTheLimit();
        factory.UseKestrel(0);
        var client = await factory.CreateReadyClientAsync();
        var photo = TestData.ReadFacePhoto(Photo);

        // The line is empty: the upload is let in, and sends half its body.
        using var uploading = await LetInAsync(client, photo);
        await uploading.Connection.SendAsync(uploading.Body.AsMemory(0, uploading.Body.Length / 2));

        // A whole photo sent now finds the upload's place ahead of it, and is refused at once; counted
        // only once its body was in, the upload would have found this photo ahead of it instead.
        var after = await SendAsync(client, photo);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "queue_full"), (after.Status, after.Code));

        // The upload completes and goes in on its place.
        await uploading.Connection.SendAsync(uploading.Body.AsMemory(uploading.Body.Length / 2));
        var (status, _, answer) = await uploading.Connection.ReadResponseAsync(TimeSpan.FromSeconds(60));
        Assert.True(status == 200, $"{status} {answer}");
    }

    [Fact]
    public async Task Requests_that_end_before_their_image_goes_in_give_their_places_back()
    {
        await using var factory = OneImageOverTheLimit();
        factory.UseKestrel(0);
        var client = await factory.CreateReadyClientAsync();
        var photo = TestData.ReadFacePhoto(Photo);

        // Each is let in at the door, takes its place, and ends before its image goes in.
        using (var noImage = await client.EmbedAsync(Requests.Multipart(photo, field: "picture")))
        {
            Assert.Equal("invalid_request", await noImage.ProblemCodeAsync());
        }

        using (var notAnImage = await client.EmbedAsync(Requests.Multipart("not an image"u8.ToArray())))
        {
            Assert.Equal((HttpStatusCode.BadRequest, "invalid_image"), (notAnImage.StatusCode, await notAnImage.ProblemCodeAsync()));
        }

        using (var tooLarge = await RawHttpConnection.OpenAsync(client.BaseAddress!))
        {
            await tooLarge.SendHeadAsync("/embed", "multipart/form-data; boundary=held", 1L << 30);
            Assert.Equal(413, (await tooLarge.ReadResponseAsync(TimeSpan.FromSeconds(30))).Status);
        }

        using (var reset = await LetInAsync(client, photo))
        {
            await reset.Connection.SendAsync(reset.Body.AsMemory(0, reset.Body.Length / 2));
            reset.Connection.Reset();
        }

        // With the clock standing still no place expires: a photo is served only once every one was given
        // back. The reset is seen a moment after it is sent, so the photo may be refused until then.
        var served = await SendAsync(client, photo);
        for (var attempt = 0; served.Status != HttpStatusCode.OK && attempt < 50; attempt++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            served = await SendAsync(client, photo);
        }

        Assert.Equal(HttpStatusCode.OK, served.Status);
    }

    [Fact]
    public async Task Refusals_by_the_request_cap_are_counted_as_rejections_with_their_reason()
    {
        const int Cap = 2;
        await using var factory = new HardenedServiceFactory(new Dictionary<string, string?>
        {
            ["FaceApi:Admission:MaxConcurrentRequests"] = Cap.ToString(CultureInfo.InvariantCulture),
            ["FaceApi:Admission:MaxQueueTime"] = "00:10:00",
        });
        var client = await factory.CreateReadyClientAsync();
        var photo = TestData.ReadFacePhoto(Photo);
        var before = await MetricsExposition.ReadAsync(client);

        var answers = await Task.WhenAll(Enumerable.Range(0, 8 * Cap).Select(_ => SendAsync(client, photo)));
        var after = await MetricsExposition.ReadAsync(client);

        var refused = answers.Count(a => a.Status == HttpStatusCode.ServiceUnavailable && a.Code == "queue_full");
        double Delta(string name, (string, string) label) => after.Value(name, label) - before.Value(name, label);
        var counted = Delta("faceapi_rejections_total", ("reason", "concurrency_limit"));
        var errors = Delta("faceapi_errors_total", ("code", "queue_full"));
        TestContext.Current.TestOutputHelper?.WriteLine($"{answers.Length} at once with a cap of {Cap}: {refused} refused; rejections counted {counted}, queue_full errors {errors}.");
        Assert.True(refused > 0, "The cap refused nothing.");
        Assert.Equal(refused, counted);
        Assert.Equal(refused, errors);
    }

    // Any image in the image stage's line is more wait than MaxQueueTime (warm-up already priced a
    // detector run), and a clock that stands still: no place expires however slow the machine.
    private static HardenedServiceFactory OneImageOverTheLimit() =>
        new(new Dictionary<string, string?> { ["FaceApi:Admission:MaxQueueTime"] = "00:00:00.001" })
        {
            ConfigureHost = host => host.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(new FakeTimeProvider())),
        };

    // Sends an /embed head for the photo as multipart, asking to continue (RFC 9110 §10.1.1): Kestrel answers
    // 100 Continue once the endpoint starts reading the body, that is once the image has been let in.
    // The caller sends the body.
    private static async Task<HeldUpload> LetInAsync(HttpClient client, byte[] photo)
    {
        byte[] body = [.. "--held\r\nContent-Disposition: form-data; name=\"image\"; filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"u8, .. photo, .. "\r\n--held--\r\n"u8];
        var connection = await RawHttpConnection.OpenAsync(client.BaseAddress!);
        await connection.SendHeadAsync("/embed", "multipart/form-data; boundary=held", body.Length, expectContinue: true);
        Assert.StartsWith("HTTP/1.1 100", await connection.ReadHeadAsync(TimeSpan.FromSeconds(30)), StringComparison.Ordinal);
        return new HeldUpload(connection, body);
    }

    private sealed record HeldUpload(RawHttpConnection Connection, byte[] Body) : IDisposable
    {
        public void Dispose() => Connection.Dispose();
    }

    private static async Task<(HttpStatusCode Status, string? Code, TimeSpan? RetryAfter, double Milliseconds)> SendAsync(HttpClient client, byte[] photo)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.EmbedAsync(Requests.Multipart(photo));
        var code = await response.ProblemCodeAsync();
        return (response.StatusCode, code, response.Headers.RetryAfter?.Delta, watch.Elapsed.TotalMilliseconds);
    }

    private static double At(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}
