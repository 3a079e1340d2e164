using System.Net;
using FaceApi.Testing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceApi.Tests.Hardening;

/// <summary>Mutated real photos: whatever the decoder and detector make of them, the answer is 200 or 4xx.</summary>
public sealed class FuzzTests(DefaultService factory) : IClassFixture<DefaultService>
{
    // 300 cases: enough to reach every mutation kind many times on each photo, and about 15 s on two cores.
    private const int Cases = 300;
    private const int Seed = 20_240_611;

    [Fact]
    public async Task Hundreds_of_mutated_photos_get_200_or_4xx_and_the_service_keeps_answering()
    {
        var client = await factory.CreateReadyClientAsync();
        var originals = SmallPhotos();
        var random = new Random(Seed);
        var mutants = Enumerable.Range(0, Cases).Select(i =>
        {
            var (name, bytes) = originals[i % originals.Count];
            var (kind, mutant) = Mutate(bytes, random);
            return (Case: $"#{i} {kind} of {name}", Bytes: mutant);
        }).ToArray();

        // Four at a time: concurrent requests also exercise the batcher with broken neighbours.
        using var slots = new SemaphoreSlim(4);
        var answers = await Task.WhenAll(mutants.Select(async mutant =>
        {
            await slots.WaitAsync(TestContext.Current.CancellationToken);
            try
            {
                using var response = await client.EmbedAsync(Requests.Multipart(mutant.Bytes, fileName: "mutant"));
                return (mutant.Case, Status: (int)response.StatusCode, Code: await response.ProblemCodeAsync());
            }
            finally
            {
                slots.Release();
            }
        }));

        var failures = answers.Where(a => a.Status is not (200 or (>= 400 and < 500)) || (a.Status != 200 && a.Code is null)).ToArray();
        Assert.True(failures.Length == 0, "Server errors: " + string.Join("; ", failures.Select(f => $"{f.Case} -> {f.Status} {f.Code}")));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(", ", answers.GroupBy(a => $"{a.Status} {a.Code}").OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}")));

        using var live = await client.GetAsync("/health/live", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var intact = await client.EmbedAsync(Requests.Multipart(originals[0].Bytes));
        Assert.Equal(HttpStatusCode.OK, intact.StatusCode);
    }

    // Small photos keep a case to tens of milliseconds: two JPEGs and a PNG made from one of them.
    private static List<(string Name, byte[] Bytes)> SmallPhotos()
    {
        var photos = new List<(string, byte[])> { ("john2.jpeg", TestData.ReadFacePhoto("john2.jpeg")), ("rose1.jpg", TestData.ReadFacePhoto("rose1.jpg")) };
        using var rose = Image.Load<Rgb24>(TestData.ReadFacePhoto("rose1.jpg"));
        rose.Mutate(image => image.Resize(rose.Width / 2, rose.Height / 2));
        using var png = new MemoryStream();
        rose.SaveAsPng(png);
        photos.Add(("rose1 half-size.png", png.ToArray()));
        return photos;
    }

    private static (string Kind, byte[] Bytes) Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(5))
        {
            case 0:
                var flips = random.Next(1, 17);
                for (var i = 0; i < flips; i++)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return ($"{flips} bit flips", bytes);
            case 1:
                var length = random.Next(bytes.Length);
                return ($"truncation to {length}", bytes[..length]);
            case 2:
                // The first 512 bytes hold the JPEG SOF/DQT/DHT segments and the PNG IHDR: dimensions, tables, flags.
                var edits = random.Next(1, 5);
                for (var i = 0; i < edits; i++)
                {
                    bytes[random.Next(Math.Min(512, bytes.Length))] = (byte)random.Next(256);
                }

                return ($"{edits} header byte edits", bytes);
            case 3:
                var start = random.Next(bytes.Length);
                var count = Math.Min(random.Next(16, 1025), bytes.Length - start);
                bytes.AsSpan(start, count).Clear();
                return ($"{count} zeroed bytes at {start}", bytes);
            default:
                var at = random.Next(bytes.Length);
                var junk = new byte[random.Next(1, 257)];
                random.NextBytes(junk);
                return ($"{junk.Length} random bytes inserted at {at}", [.. bytes[..at], .. junk, .. bytes[at..]]);
        }
    }
}
