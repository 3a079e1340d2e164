using System.Net;
using FaceApi.Testing;
using FaceApi.Tests.Hardening;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Issue 13, item 6: 16 concurrent 139 KB all-black 7000x7000 PNGs (49 M pixels, 147 MB of RGB24 each)
/// answered 422 each but raised RSS from 193 to 1,970 MB. The decoded-pixel budget (default 64 M
/// pixels) lets one such image be decoded at a time, however many compute threads there are: the
/// others wait their turn in line, and the load shedder refuses those that would wait too long.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class PixelBudgetTests(DefaultService factory) : IClassFixture<DefaultService>
{
    private const int Concurrent = 16;
    private const int Side = 7000;

    // One at a time holds its 147 MB and ImageSharp's working buffers; the figure printed below is the
    // measurement. Before the budget, 16 at once cost 1.8 GB. (With more compute threads, each thread that
    // has decoded one keeps its freed memory in its own C-library arena until the idle trimmer runs:
    // eight threads, +979 MiB at the peak, +209 MiB with MALLOC_ARENA_MAX=1; README, "Memory".)
    private const double MostResidentGrowthMiB = 800;

    [Fact]
    public async Task Images_that_decode_huge_are_decoded_within_the_pixel_budget_and_the_excess_shed_by_time()
    {
        var client = await factory.CreateReadyClientAsync();
        var png = CraftedImages.BlackPng(Side, Side);

        await using var meter = AttackMeter.Start();
        var answers = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(async _ =>
        {
            using var response = await client.EmbedAsync(Requests.Multipart(png, fileName: "black.png"));
            return (response.StatusCode, Code: await response.ProblemCodeAsync());
        }));
        var figures = await meter.StopAsync();

        var outcomes = answers.GroupBy(a => $"{(int)a.StatusCode} {a.Code}").Select(g => $"{g.Count()} x {g.Key}");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{Concurrent} concurrent {Side}x{Side} black PNGs ({png.Length / 1024} KB each): {string.Join(", ", outcomes)}; {figures}");
        // Decoded, an image without a face is 422 no_face; one that would wait too long is refused, never a 5xx.
        Assert.All(answers, a => Assert.True(
            a is { StatusCode: HttpStatusCode.UnprocessableEntity, Code: "no_face" }
            or { StatusCode: HttpStatusCode.ServiceUnavailable, Code: "queue_full" },
            $"{a.StatusCode} {a.Code}"));
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.UnprocessableEntity);
        Assert.InRange(figures.ResidentGrowthMiB, 0, MostResidentGrowthMiB);

        // The budget is released: a real photo afterwards is served.
        using var photo = await client.EmbedAsync(Requests.Multipart(TestData.ReadFacePhoto("obama.jpg")));
        Assert.Equal(HttpStatusCode.OK, photo.StatusCode);
    }
}
