using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using FaceApi.Hosting;
using FaceApi.Metrics;
using FaceApi.Tests.Hosting;
using FaceApi.Tests.Metrics;
using FaceApi.Uploads;
using Microsoft.Extensions.DependencyInjection;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Bodies are read whole before admission, so N concurrent maximal bodies (a /verify JSON body is 55 MB
/// at the default image limit) pinned N times that with nothing bounding the total (issue 13). Scaled:
/// images limited to 128 KiB, so the largest body is 422 KB, and a budget of exactly what one such body
/// holds at its peak (its chunks and the array they are copied into: 960 KiB).
/// The bodies over the budget are refused at once with 503 <c>queue_full</c>, counted as
/// <c>faceapi_rejections_total{reason="body_budget"}</c>; a connection that sends only headers holds
/// nothing and a slow upload only what has arrived; and whatever way a request ends, it gives its share back.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class BodyBudgetTests(BodyBudgetService factory) : IClassFixture<BodyBudgetService>
{
    private const int Concurrent = 8;

    private static long MaximalBody => RequestLimits.MaxBodyBytes(KestrelFaceApiFactory.MaxImageBytes);

    private static double Rejections => ServiceMetrics.Rejections.WithLabels(BufferedBodyBudget.RejectionReason).Value;

    [Fact]
    public async Task Concurrent_maximal_bodies_beyond_the_budget_are_refused_at_once_and_the_budget_is_whole_afterwards()
    {
        var client = await factory.CreateReadyClientAsync();
        var body = PaddedVerifyBody.Create(MaximalBody);
        var half = (int)(MaximalBody / 2);
        var rejectionsBefore = (await MetricsExposition.ReadAsync(client)).Value("faceapi_rejections_total", ("reason", BufferedBodyBudget.RejectionReason));

        // Every connection sends the first half of its body, so all of them are being read at once: each
        // half holds four 64 KiB chunks, so three fit in the budget and the other five are refused.
        var heldByHalf = PooledStreamReader.ChunkedBytes(half);
        var fitting = (int)(PooledStreamReader.PeakBytes(MaximalBody) / heldByHalf);
        await using var meter = AttackMeter.Start();
        var connections = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(async _ =>
        {
            var connection = await RawHttpConnection.OpenAsync(client.BaseAddress!);
            await connection.SendHeadAsync("/verify", "application/json", body.Length);
            var answer = TimedAnswerAsync(connection);
            await connection.SendAsync(body.AsMemory(0, half));
            return (Connection: connection, Answer: answer);
        }));
        await WaitUntilAsync(
            () => Rejections - rejectionsBefore >= Concurrent - fitting && factory.Budget.ReservedBytes == fitting * heldByHalf,
            $"the refusals of all but {fitting} bodies, and their halves read");

        // Each of those that finishes needs the whole budget to copy its chunks into one array, so only
        // the last one still reading is served.
        foreach (var (connection, _) in connections)
        {
            await SendRestAsync(connection, body.AsMemory(half));
        }

        var answers = await Task.WhenAll(connections.Select(c => c.Answer));
        var figures = await meter.StopAsync();
        foreach (var (connection, _) in connections)
        {
            connection.Dispose();
        }

        var rejections = (await MetricsExposition.ReadAsync(client)).Value("faceapi_rejections_total", ("reason", BufferedBodyBudget.RejectionReason)) - rejectionsBefore;
        var refused = answers.Where(a => a.Status == 503).ToArray();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Concurrent} concurrent {body.Length} B /verify bodies, budget {factory.Settings["FaceApi:Uploads:MaxBufferedBytes"]} B: " +
            $"{string.Join(", ", answers.GroupBy(a => a.Status).Select(g => $"{g.Count()} x {g.Key}"))}; refusals answered after " +
            $"{string.Join(", ", refused.Select(a => $"{a.Seconds * 1000:F0}"))} ms; body_budget rejections {rejections}; {figures}");
        Assert.All(answers, a => Assert.True(a.Status is 200 or 503, $"{a.Status} {a.Body}"));
        Assert.Equal(Concurrent - 1, refused.Length);
        Assert.All(refused, a =>
        {
            Assert.Contains("\"code\":\"queue_full\"", a.Body, StringComparison.Ordinal);
            Assert.Contains("Retry-After: 1\r\n", a.Head, StringComparison.OrdinalIgnoreCase);
        });
        Assert.Equal(refused.Length, rejections);
        Assert.Equal(0, factory.Budget.ReservedBytes);

        // The whole budget is free again: a body that needs all of it is read and answered.
        using var whole = await client.PostAsync("/verify", PaddedVerifyBody.AsJson(PaddedVerifyBody.Create(MaximalBody)), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
    }

    [Fact]
    public async Task Connections_that_send_only_headers_hold_none_of_the_budget_and_a_maximal_body_beside_them_is_served()
    {
        var client = await factory.CreateReadyClientAsync();
        var body = PaddedVerifyBody.Create(MaximalBody);

        // One connection more than the budget has chunks, each announcing a maximal body and sending
        // none of it. A reader that took a chunk before the first byte let them hold the whole budget
        // (about 4,100 such connections at the default 256 MiB) until the body deadline.
        var headersOnly = (int)(PooledStreamReader.PeakBytes(MaximalBody) / PooledStreamReader.ChunkSize) + 1;
        var started = Stopwatch.GetTimestamp();
        var connections = await Task.WhenAll(Enumerable.Range(0, headersOnly).Select(async _ =>
        {
            var connection = await RawHttpConnection.OpenAsync(client.BaseAddress!);
            await connection.SendHeadAsync("/verify", "application/json", body.Length, expectContinue: true);
            return connection;
        }));
        try
        {
            // 100 Continue comes when the service starts reading a body: every one is being read.
            foreach (var connection in connections)
            {
                var head = await connection.ReadHeadAsync(TimeSpan.FromSeconds(30));
                Assert.StartsWith("HTTP/1.1 100 ", head, StringComparison.Ordinal);
            }

            Assert.Equal(0, factory.Budget.ReservedBytes);

            // A body that needs the whole budget is read and answered beside them, while they still wait:
            // their body deadline, which began after their heads were sent, has not ended them.
            using var served = await client.PostAsync("/verify", PaddedVerifyBody.AsJson(body), TestContext.Current.CancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal(0, factory.Budget.ReservedBytes);
            var deadline = TimeSpan.Parse(factory.Settings["FaceApi:Uploads:BodyReadTimeout"]!, CultureInfo.InvariantCulture);
            Assert.True(elapsed < deadline, $"The body was served {elapsed.TotalSeconds:F1} s after the heads were sent, past their {deadline.TotalSeconds} s body deadline: they may have been ended first.");
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_slow_upload_holds_only_what_has_arrived_and_no_way_of_ending_a_request_keeps_any()
    {
        var client = await factory.CreateReadyClientAsync();
        var service = client.BaseAddress!;
        var body = PaddedVerifyBody.Create(MaximalBody);
        const int Arrived = 100_000;

        // A client announces a maximal body and trickles it: it holds the buffer of what it has sent
        // (128 KiB for 100 KB), not the 413 KiB it announced, until the body deadline ends it (408).
        using var slow = await RawHttpConnection.OpenAsync(service);
        await slow.SendHeadAsync("/verify", "application/json", body.Length);
        var slowAnswer = slow.ReadResponseAsync(TimeSpan.FromSeconds(60));
        await slow.SendAsync(body.AsMemory(0, Arrived));
        await WaitUntilAsync(() => factory.Budget.ReservedBytes >= Arrived, "the slow body's first 100 KB to be read");
        var heldBySlow = factory.Budget.ReservedBytes;
        TestContext.Current.TestOutputHelper?.WriteLine($"a trickling upload announcing {body.Length} B holds {heldBySlow} B after {Arrived} B arrived");
        Assert.InRange(heldBySlow, Arrived, 2 * Arrived);

        // What it holds counts: a maximal body does not fit beside it (refused).
        using (var refused = await client.PostAsync("/verify", PaddedVerifyBody.AsJson(body), TestContext.Current.CancellationToken))
        {
            await refused.IsProblemAsync(HttpStatusCode.ServiceUnavailable, "queue_full");
        }

        for (var sent = Arrived; !slowAnswer.IsCompleted && sent < body.Length; sent += 100)
        {
            await SendRestAsync(slow, body.AsMemory(sent, 100));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var (slowStatus, _, slowBody) = await slowAnswer;
        Assert.True(slowStatus == 408 && slowBody.Contains("request_timeout", StringComparison.Ordinal), $"slow upload: {slowStatus} {slowBody}");

        // Requests that end every other way, one after another, since each of the first two needs the
        // whole budget: over the limit (chunked, so found only while reading), malformed, of a type not
        // accepted (refused before reading), aborted (reset) and cut short (FIN).
        using (var chunked = await RawHttpConnection.OpenAsync(service))
        {
            var overLimit = PaddedVerifyBody.Create(MaximalBody + 1);
            await chunked.SendAsync(Encoding.ASCII.GetBytes(
                "POST /verify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
                $"{overLimit.Length:x}\r\n"));
            var answer = chunked.ReadResponseAsync(TimeSpan.FromSeconds(30));
            await SendRestAsync(chunked, overLimit);
            await SendRestAsync(chunked, "\r\n0\r\n\r\n"u8.ToArray());
            var (status, _, text) = await answer;
            Assert.True(status == 413 && text.Contains("payload_too_large", StringComparison.Ordinal), $"chunked body over the limit: {status} {text}");
        }

        using (var malformed = await client.PostAsync("/verify", PaddedVerifyBody.AsJson([.. body.AsSpan(0, body.Length - 1)]), TestContext.Current.CancellationToken))
        {
            await malformed.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        }

        using (var wrongType = await client.PostAsync("/verify", new ByteArrayContent(body), TestContext.Current.CancellationToken))
        {
            await wrongType.IsProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        }

        using (var reset = await RawHttpConnection.OpenAsync(service))
        {
            await reset.SendHeadAsync("/verify", "application/json", body.Length);
            await reset.SendAsync(body.AsMemory(0, Arrived));
            await Task.Delay(200, TestContext.Current.CancellationToken);
            reset.Reset();
        }

        using (var cut = await RawHttpConnection.OpenAsync(service))
        {
            await cut.SendHeadAsync("/verify", "application/json", body.Length);
            await cut.SendAsync(body.AsMemory(0, Arrived));
            cut.EndSending();
            var (status, _, answer) = await cut.ReadResponseAsync(TimeSpan.FromSeconds(30));
            Assert.True(status is 0 or 400, $"body cut short: {status} {answer}");
        }

        // Every one of them gave its share back (the reset one once the server noticed the reset).
        await WaitUntilAsync(() => factory.Budget.ReservedBytes == 0, "the budget to be whole");
        using var whole = await client.PostAsync("/verify", PaddedVerifyBody.AsJson(body), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(0, factory.Budget.ReservedBytes);
    }

    [Fact]
    public async Task An_escaped_image_string_longer_than_any_image_is_too_large_not_a_refusal_for_want_of_budget()
    {
        var client = await factory.CreateReadyClientAsync();
        var rejectionsBefore = Rejections;
        // 300,000 characters and one escape ("\/"): unescaped, more than an image at the 128 KiB limit and
        // the envelope's room for a data URL's prefix can take, so the copy stops there (EscapedJsonImageBudgetTests
        // has the copy's share of the budget).
        var body = "{\"image1\":\"" + new string('A', 300_000) + "\\/\"}";

        using var answer = await client.PostAsync("/verify", new StringContent(body, Encoding.ASCII, "application/json"), TestContext.Current.CancellationToken);

        await answer.IsProblemAsync(HttpStatusCode.RequestEntityTooLarge, "image_too_large");
        Assert.Equal(0, Rejections - rejectionsBefore);
        Assert.Equal(0, factory.Budget.ReservedBytes);
    }

    // Starts reading the answer before the body is sent, so an early answer is read before the server closes.
    private static async Task<(int Status, string Head, string Body, double Seconds)> TimedAnswerAsync(RawHttpConnection connection)
    {
        var started = Stopwatch.GetTimestamp();
        var (status, head, body) = await connection.ReadResponseAsync(TimeSpan.FromSeconds(60));
        return (status, head, body, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    // A refused request's connection may already be closed by the server; its answer is what counts.
    private static async Task SendRestAsync(RawHttpConnection connection, ReadOnlyMemory<byte> rest)
    {
        try
        {
            await connection.SendAsync(rest);
        }
        catch (IOException)
        {
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        while (!condition())
        {
            Assert.True(Stopwatch.GetTimestamp() < deadline, $"Waited 30 s for {what}.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }
}

/// <summary>
/// The service on Kestrel with images limited to <see cref="KestrelFaceApiFactory.MaxImageBytes"/>, a
/// body budget of exactly what one largest body holds at its peak, and a 3 s body deadline.
/// </summary>
public sealed class BodyBudgetService : KestrelFaceApiFactory
{
    public BodyBudgetService()
    {
        Settings["FaceApi:Inference:Providers:0"] = "Cpu";
        Settings["FaceApi:Uploads:MaxBufferedBytes"] = PooledStreamReader.PeakBytes(RequestLimits.MaxBodyBytes(MaxImageBytes)).ToString(CultureInfo.InvariantCulture);
        Settings["FaceApi:Uploads:BodyReadTimeout"] = "00:00:03";
    }

    public BufferedBodyBudget Budget => Services.GetRequiredService<BufferedBodyBudget>();
}
