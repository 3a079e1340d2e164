using System.Diagnostics;
using System.Net;
using FaceApi.Testing;

namespace FaceApi.Tests.Hardening;

/// <summary>An image whose header claims more pixels than memory holds is refused from the header.</summary>
[Collection(SerialCollection.Name)]
public sealed class DecompressionBombTests(DefaultService factory) : IClassFixture<DefaultService>
{
    [Fact]
    public async Task A_png_claiming_100000_by_100000_pixels_is_refused_without_allocating_them()
    {
        var client = await factory.CreateReadyClientAsync();
        // 10^10 pixels: 30 GB as RGB24, in a 57-byte file.
        var bomb = CraftedImages.PngHeaderDeclaring(100_000, 100_000);
        using (var warm = await client.EmbedAsync(Requests.Multipart(bomb, fileName: "bomb.png")))
        {
            await warm.IsProblemAsync(HttpStatusCode.RequestEntityTooLarge, "image_too_large");
        }

        using var process = Process.GetCurrentProcess();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var workingSetBefore = process.WorkingSet64;
        using var response = await client.EmbedAsync(Requests.Multipart(bomb, fileName: "bomb.png"));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        var workingSetGrowth = process.WorkingSet64 - workingSetBefore;

        await response.IsProblemAsync(HttpStatusCode.RequestEntityTooLarge, "image_too_large");
        // A request's own bookkeeping is kilobytes; one row of the claimed image alone would be 300 KB,
        // the whole of it 30 GB. 16 MB leaves room for whatever the runtime does meanwhile (the test
        // runs alone, in the serial collection). The working set, which the GC and JIT move, is only printed.
        TestContext.Current.TestOutputHelper?.WriteLine($"Allocated {allocated / 1024} KiB; working set grew {workingSetGrowth / 1024} KiB.");
        Assert.True(allocated < 16 * 1024 * 1024, $"Allocated {allocated / 1024} KiB.");
    }
}
