using System.Net;
using FaceApi.Testing;
using FaceApi.Tests.Hardening;
using FaceApi.Tests.Metrics;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Issue 13, item 6: 16 concurrent 139 KB all-black 7000x7000 PNGs (49 M pixels, 147 MB of RGB24 each)
/// answered 422 each but raised RSS from 193 to 1,970 MB. The decoded-pixel budget (default 64 M
/// pixels) admits one such image at a time and refuses the rest at once with 503 <c>queue_full</c>,
/// counted as <c>faceapi_rejections_total{reason="pixel_budget"}</c>.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class PixelBudgetTests(DefaultService factory) : IClassFixture<DefaultService>
{
    private const int Concurrent = 16;
    private const int Side = 7000;

    // Decoding one such PNG holds its 147 MB of RGB24 and ImageSharp's working buffers; the figure
    // printed below is the measurement. Before the budget, 16 at once cost 1.8 GB.
    private const double MostResidentGrowthMiB = 800;

    [Fact]
    public async Task Images_that_decode_huge_are_admitted_by_their_pixels_and_the_excess_is_refused_at_once()
    {
        var client = await factory.CreateReadyClientAsync();
        var png = CraftedImages.BlackPng(Side, Side);
        var rejectionsBefore = (await MetricsExposition.ReadAsync(client)).Value("faceapi_rejections_total", ("reason", "pixel_budget"));

        await using var meter = AttackMeter.Start();
        var answers = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(async _ =>
        {
            using var response = await client.EmbedAsync(Requests.Multipart(png, fileName: "black.png"));
            return (response.StatusCode, Code: await response.ProblemCodeAsync(), RetryAfter: response.Headers.RetryAfter?.Delta);
        }));
        var figures = await meter.StopAsync();
        var rejections = (await MetricsExposition.ReadAsync(client)).Value("faceapi_rejections_total", ("reason", "pixel_budget")) - rejectionsBefore;

        var outcomes = answers.GroupBy(a => $"{(int)a.StatusCode} {a.Code}").Select(g => $"{g.Count()} x {g.Key}");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Concurrent} concurrent {Side}x{Side} black PNGs ({png.Length / 1024} KB each): {string.Join(", ", outcomes)}; " +
            $"pixel_budget rejections {rejections}; {figures}");
        // Without a face the admitted ones are 422 no_face; the others are refused, never a 5xx but 503 queue_full.
        Assert.All(answers, a => Assert.True(
            a is { StatusCode: HttpStatusCode.UnprocessableEntity, Code: "no_face" }
            or { StatusCode: HttpStatusCode.ServiceUnavailable, Code: "queue_full" },
            $"{a.StatusCode} {a.Code}"));
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.UnprocessableEntity);
        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.ServiceUnavailable).ToArray();
        Assert.NotEmpty(refused);
        Assert.All(refused, a => Assert.Equal(TimeSpan.FromSeconds(1), a.RetryAfter));
        Assert.Equal(refused.Length, rejections);
        Assert.InRange(figures.ResidentGrowthMiB, 0, MostResidentGrowthMiB);

        // The budget is released: a real photo afterwards is served.
        using var photo = await client.EmbedAsync(Requests.Multipart(TestData.ReadFacePhoto("obama.jpg")));
        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
    }
}
