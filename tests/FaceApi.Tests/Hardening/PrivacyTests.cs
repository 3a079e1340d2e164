using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using FaceApi.Testing;
using Serilog.Events;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// Images and embeddings are biometric data: with every logger at Verbose, a run of every endpoint
/// (successes and errors) leaves no image bytes, no base64 and no embedding value in any log event.
/// </summary>
public sealed class PrivacyTests(PrivacyTests.VerboseService factory) : IClassFixture<PrivacyTests.VerboseService>
{
    private const string Key = "privacy-test-key-5d1e";

    [Fact]
    public async Task No_image_base64_embedding_or_key_reaches_the_logs_at_any_level()
    {
        var client = await factory.CreateReadyClientAsync();
        client.DefaultRequestHeaders.Add("X-API-Key", Key);
        var obama = TestData.ReadFacePhoto("obama.jpg");
        var biden = TestData.ReadFacePhoto("biden.jpg");
        var bidenBase64 = Convert.ToBase64String(biden);

        using var multipart = await client.EmbedAsync(Requests.Multipart(obama));
        Assert.Equal(HttpStatusCode.OK, multipart.StatusCode);
        var embedding = (await multipart.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken))
            .GetProperty("faces")[0].GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        using var json = await client.EmbedAsync(Requests.Json(new { image = bidenBase64 }));
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        using var verifyImages = await client.PostAsync("/verify", new MultipartFormDataContent
        {
            { new ByteArrayContent(obama), "image1", "a.jpg" },
            { new ByteArrayContent(biden), "image2", "b.jpg" },
        }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, verifyImages.StatusCode);
        using var verifyEmbeddings = await client.PostAsync("/verify", Requests.Json(new { embedding1 = embedding, embedding2 = embedding }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, verifyEmbeddings.StatusCode);
        using var mixed = await client.PostAsync("/verify", Requests.Json(new { image1 = bidenBase64, embedding2 = embedding }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, mixed.StatusCode);

        // Errors log more than successes do: each must still keep the body out.
        using var badBase64 = await client.EmbedAsync(Requests.Json(new { image = bidenBase64[..1001] + "!" }));
        await badBase64.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        using var truncated = await client.EmbedAsync(Requests.Multipart(obama[..(obama.Length / 2)]));
        await truncated.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
        using var wrongLength = await client.PostAsync("/verify", Requests.Json(new { embedding1 = embedding[..100], embedding2 = embedding }), TestContext.Current.CancellationToken);
        await wrongLength.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        using var wrongType = await client.EmbedAsync(new ByteArrayContent(obama));
        await wrongType.IsProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        using var badQuery = await client.EmbedAsync(Requests.Multipart(obama), "?aligned=false&maxFaces=abc");
        await badQuery.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        using var noFace = await client.EmbedAsync(Requests.Multipart(CraftedImages.GifWithOnePixelFrames(canvasSize: 64, frameCount: 1), fileName: "blank.gif"));
        await noFace.IsProblemAsync(HttpStatusCode.UnprocessableEntity, "no_face");
        using var unauthorized = new HttpRequestMessage(HttpMethod.Post, "/embed") { Content = Requests.Json(new { image = bidenBase64 }) };
        unauthorized.Headers.Add("X-API-Key", "wrong-" + Key);
        using var refused = await client.SendAsync(unauthorized, TestContext.Current.CancellationToken);
        await refused.IsProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");

        var logs = factory.Logs.AllText;
        // The capture works and reaches below Information: the request summaries and the framework's Debug events are there.
        Assert.Contains("/embed", logs, StringComparison.Ordinal);
        Assert.Contains(factory.Logs.Events, e => e.Level <= LogEventLevel.Debug);

        foreach (var image in new[] { obama, biden })
        {
            var base64 = Convert.ToBase64String(image);
            // Stretches from the middle of each image, as base64 and as the hex a byte[] property would render as.
            Assert.DoesNotContain(base64.Substring(base64.Length / 2, 40), logs, StringComparison.Ordinal);
            Assert.DoesNotContain(Convert.ToHexString(image, image.Length / 2, 20), logs, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain(bidenBase64[..40], logs, StringComparison.Ordinal);
        var leaked = EmbeddingValuesIn(logs, embedding.Where(v => Math.Abs(v) >= 0.01f).Take(16).ToArray());
        Assert.True(leaked is null, $"An embedding value is in the logs: ...{leaked}...");

        Assert.DoesNotContain(Key, logs, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKeyTests.HashOf(Key), logs, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The first number in <paramref name="text"/> that is one of <paramref name="values"/> written to six or
    /// more significant digits, rounded or cut short (as any float formatting prints at least), with the text
    /// around it; null if there is none. Numbers are read whole: every event's timestamp has seven fractional
    /// digits ("10:55:10.0523871"), and searching for a value's digits as a substring found one inside a
    /// timestamp about once in a few hundred runs.
    /// </summary>
    private static string? EmbeddingValuesIn(string text, float[] values)
    {
        foreach (Match number in Regex.Matches(text, @"(?<![0-9.])-?[0-9]+\.[0-9]+(?:[eE][-+]?[0-9]+)?"))
        {
            var mantissa = number.Value.Split('e', 'E')[0];
            var significant = mantissa.Where(char.IsAsciiDigit).SkipWhile(c => c == '0').Count();
            var written = double.Parse(number.Value, CultureInfo.InvariantCulture);
            if (significant < 6 || written == 0)
            {
                continue;
            }

            // The place of its last digit: a value rounded or cut short there is within one such unit. A
            // float's shortest round-trip text (nine digits at most) can be further from it than that, but
            // reads back as the same float.
            var lastPlace = Math.Pow(10, Math.Floor(Math.Log10(Math.Abs(written))) - significant + 1);
            if (values.Any(v => Math.Abs(written - v) <= lastPlace || (float)written == v))
            {
                var start = Math.Max(0, number.Index - 80);
                return text[start..Math.Min(text.Length, number.Index + 80)];
            }
        }

        return null;
    }

    /// <summary>The service with every logger at Verbose and an API key configured.</summary>
    public sealed class VerboseService() : HardenedServiceFactory(new Dictionary<string, string?>
    {
        ["Serilog:MinimumLevel:Default"] = "Verbose",
        ["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Verbose",
        ["Serilog:MinimumLevel:Override:Microsoft.Extensions.Http"] = "Verbose",
        ["Serilog:MinimumLevel:Override:System.Net.Http"] = "Verbose",
        ["FaceApi:Auth:ApiKeys:0"] = ApiKeyTests.HashOf(Key),
    });
}
