using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FaceApi.Testing;
using FaceApi.Tests.Endpoints;
using FaceApi.Tests.Hosting;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceApi.Tests.Hardening;

/// <summary>Untrusted input: every malformed request gets its 4xx problem code, never a 500.</summary>
public sealed class BadInputTests(DefaultService factory) : IClassFixture<DefaultService>
{
    [Fact]
    public async Task Zero_bytes_are_an_invalid_image()
    {
        var client = await factory.CreateReadyClientAsync();

        using var multipart = await client.EmbedAsync(Requests.Multipart([]));
        await multipart.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
        using var json = await client.EmbedAsync(Requests.Json(new { image = "" }));
        await json.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
    }

    [Fact]
    public async Task Random_bytes_are_an_invalid_image()
    {
        var client = await factory.CreateReadyClientAsync();
        var bytes = new byte[4096];
        new Random(6).NextBytes(bytes);

        using var response = await client.EmbedAsync(Requests.Multipart(bytes));

        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
    }

    [Fact]
    public async Task A_text_file_named_jpg_is_an_invalid_image()
    {
        var client = await factory.CreateReadyClientAsync();

        using var response = await client.EmbedAsync(Requests.Multipart(Encoding.UTF8.GetBytes("This is not a photo.\n"), fileName: "face.jpg"));

        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
    }

    [Theory]
    [InlineData("obama.jpg")]
    [InlineData("32bit.png")]
    public async Task A_truncated_image_is_an_invalid_image(string photo)
    {
        var client = await factory.CreateReadyClientAsync();
        var bytes = TestData.ReadFacePhoto(photo);

        using var response = await client.EmbedAsync(Requests.Multipart(bytes[..(bytes.Length / 2)], fileName: photo));

        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
    }

    [Fact]
    public async Task A_png_whose_pixels_refer_beyond_its_palette_is_an_invalid_image()
    {
        var client = await factory.CreateReadyClientAsync();
        using var photo = Image.Load<Rgb24>(TestData.ReadFacePhoto("john2.jpeg"));
        using var encoded = new MemoryStream();
        photo.SaveAsPng(encoded, new PngEncoder { ColorType = PngColorType.Palette, BitDepth = PngBitDepth.Bit8 });
        using var whole = await client.EmbedAsync(Requests.Multipart(encoded.ToArray(), fileName: "face.png"));
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);

        // ImageSharp 2.1.13 would look the missing colours up past the end of its palette array.
        using var response = await client.EmbedAsync(Requests.Multipart(CraftedImages.PngWithPaletteCutTo(encoded.ToArray(), 16), fileName: "face.png"));

        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_image");
    }

    [Fact]
    public async Task An_animated_gif_with_thousands_of_frames_costs_one_frame()
    {
        var client = await factory.CreateReadyClientAsync();
        // 5000 frames: composing each on a 512x512 canvas would be 3.9 GB of RGBA; the first frame is 1 MB.
        var gif = CraftedImages.GifWithOnePixelFrames(canvasSize: 512, frameCount: 5000);
        var watch = Stopwatch.StartNew();
        var allocatedBefore = GC.GetTotalAllocatedBytes();

        using var response = await client.EmbedAsync(Requests.Multipart(gif, fileName: "animation.gif"));

        // The service runs in this process, so its allocations are counted here, along with those of
        // tests running alongside: a generous 1 GiB bound against the 3.9 GB of every frame
        // (typically tens of MiB; printed with the time).
        var allocatedMiB = (GC.GetTotalAllocatedBytes() - allocatedBefore) / 1048576.0;
        TestContext.Current.TestOutputHelper?.WriteLine($"5000-frame GIF answered in {watch.Elapsed.TotalMilliseconds:F0} ms; {allocatedMiB:F0} MiB allocated meanwhile.");
        // One black pixel on a black canvas: a complete image without a face.
        await response.IsProblemAsync(HttpStatusCode.UnprocessableEntity, "no_face");
        Assert.True(allocatedMiB < 1024, $"{allocatedMiB:F0} MiB allocated while one GIF was answered: its frames were composed.");
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("image/svg+xml")]
    [InlineData(null)]
    public async Task A_body_that_is_neither_multipart_nor_json_nor_an_image_is_an_unsupported_media_type(string? contentType)
    {
        var client = await factory.CreateReadyClientAsync();
        var content = new ByteArrayContent(TestData.ReadFacePhoto("john2.jpeg"));
        content.Headers.ContentType = contentType is null ? null : new(contentType);

        using var embed = await client.EmbedAsync(content);
        await embed.IsProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        using var verify = await client.PostAsync("/verify", new ByteArrayContent([1, 2, 3]), TestContext.Current.CancellationToken);
        await verify.IsProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Theory]
    [InlineData("image/jpeg")]
    [InlineData("application/octet-stream")]
    public async Task A_raw_image_body_on_verify_is_an_unsupported_media_type(string contentType)
    {
        // /verify takes two images; a body can be only one.
        var client = await factory.CreateReadyClientAsync();
        var content = new ByteArrayContent(TestData.ReadFacePhoto("john2.jpeg"));
        content.Headers.ContentType = new(contentType);

        using var verify = await client.PostAsync("/verify", content, TestContext.Current.CancellationToken);

        await verify.IsProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task An_empty_raw_image_body_is_an_invalid_request()
    {
        var client = await factory.CreateReadyClientAsync();
        var content = new ByteArrayContent([]);
        content.Headers.ContentType = new("image/jpeg");

        using var embed = await client.EmbedAsync(content);

        await embed.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("QUJD=")]
    [InlineData("{\"nested\": true}")]
    public async Task Json_with_invalid_base64_is_an_invalid_request(string image)
    {
        var client = await factory.CreateReadyClientAsync();

        using var response = await client.EmbedAsync(Requests.Json(new { image }));

        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("http://faceapi-ssrf-probe.invalid/face.jpg")]
    [InlineData("https://169.254.169.254/latest/meta-data/")]
    [InlineData("file:///etc/passwd")]
    public async Task An_image_url_is_not_fetched_but_refused_as_invalid_base64(string url)
    {
        var client = await factory.CreateReadyClientAsync();
        using var outbound = new OutboundRequestRecorder();

        using var response = await client.EmbedAsync(Requests.Json(new { image = url }));

        // The service has no code that fetches URLs (a server-side request forgery risk); a URL is just bad base64.
        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        Assert.DoesNotContain(outbound.Requests, uri => uri.StartsWith(url, StringComparison.OrdinalIgnoreCase));

        // Control: the recorder does see a request this process makes (port 9, discard, is closed on loopback).
        using var control = new HttpClient();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => control.GetAsync("http://127.0.0.1:9/control", TestContext.Current.CancellationToken));
        Assert.Contains(outbound.Requests, uri => uri == "http://127.0.0.1:9/control");
    }

    [Fact]
    public async Task A_malformed_multipart_part_header_is_an_invalid_request_whose_answer_does_not_repeat_it()
    {
        var client = await factory.CreateReadyClientAsync();
        // A part header line without a colon that holds what a client may have put there by mistake: an
        // image as base64, which the multipart reader's message quotes whole.
        var base64 = Convert.ToBase64String(TestData.ReadFacePhoto("obama.jpg"), 0, 3000);
        using var content = new StringContent($"--b\r\n{base64}\r\n\r\nx\r\n--b--\r\n", Encoding.ASCII);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");

        using var response = await client.EmbedAsync(content);

        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var detail = problem.RootElement.GetProperty("detail").GetString()!;
        Assert.StartsWith("Malformed request body: ", detail, StringComparison.Ordinal);
        Assert.DoesNotContain(base64[..40], detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"image\": ")]
    [InlineData("[1, 2, 3]")]
    [InlineData("{\"image\": 42}")]
    public async Task Malformed_json_is_an_invalid_request(string body)
    {
        var client = await factory.CreateReadyClientAsync();

        using var response = await client.EmbedAsync(new StringContent(body, Encoding.UTF8, "application/json"));

        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("[0.1, 0.2, 0.3]")]
    [InlineData("[]")]
    [InlineData("\"0.1,0.2\"")]
    public async Task An_embedding_of_the_wrong_shape_is_an_invalid_request(string embedding)
    {
        var client = await factory.CreateReadyClientAsync();
        var body = $"{{\"embedding1\": {embedding}, \"embedding2\": {UnitEmbedding(128)}}}";

        using var response = await client.PostAsync("/verify", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e39")]
    public async Task A_non_finite_embedding_value_is_an_invalid_request(string value)
    {
        var client = await factory.CreateReadyClientAsync();
        var sent = $"[{value}, {EmbeddingValues(127)}]";

        // JSON has no NaN or Infinity literals; 1e39 overflows float to infinity. Multipart sends the array as text.
        using var json = await client.PostAsync("/verify", new StringContent($"{{\"embedding1\": {sent}, \"embedding2\": {UnitEmbedding(128)}}}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        await json.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        using var multipart = await client.PostAsync("/verify", new MultipartFormDataContent
        {
            { new StringContent(sent), "embedding1" },
            { new StringContent(UnitEmbedding(128)), "embedding2" },
        }, TestContext.Current.CancellationToken);
        await multipart.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("threshold=1.5")]
    [InlineData("threshold=-0.1")]
    [InlineData("threshold=NaN")]
    [InlineData("threshold=abc")]
    public async Task A_threshold_outside_zero_to_one_is_an_invalid_request(string query)
    {
        var client = await factory.CreateReadyClientAsync();
        var body = $"{{\"embedding1\": {UnitEmbedding(128)}, \"embedding2\": {UnitEmbedding(128)}}}";

        using var response = await client.PostAsync($"/verify?{query}", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("maxFaces=0")]
    [InlineData("maxFaces=-3")]
    [InlineData("aligned=maybe")]
    public async Task An_out_of_range_embed_option_is_an_invalid_request(string query)
    {
        var client = await factory.CreateReadyClientAsync();

        using var response = await client.EmbedAsync(Requests.Multipart(TestData.ReadFacePhoto("john2.jpeg")), "?" + query);

        await response.IsProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task An_image_without_a_face_is_unprocessable()
    {
        var client = await factory.CreateReadyClientAsync();
        using var plain = new Image<Rgb24>(640, 480, new Rgb24(128, 140, 150));

        using var response = await client.EmbedAsync(Requests.Multipart(Png(plain), fileName: "wall.png"));

        await response.IsProblemAsync(HttpStatusCode.UnprocessableEntity, "no_face");
    }

    [Theory]
    [InlineData(12)]
    [InlineData(24)]
    [InlineData(40)]
    public async Task A_very_small_face_is_embedded_or_unprocessable_never_a_server_error(int side)
    {
        var client = await factory.CreateReadyClientAsync();
        using var photo = Image.Load<Rgb24>(TestData.ReadFacePhoto("obama.jpg"));
        photo.Mutate(image => image.Resize(side, side * photo.Height / photo.Width));

        using var response = await client.EmbedAsync(Requests.Multipart(Png(photo), fileName: "tiny.png"));

        await AssertEmbeddedOrNoFaceAsync(response);
    }

    [Fact]
    public async Task A_face_filling_a_large_canvas_is_embedded_or_unprocessable_never_a_server_error()
    {
        var client = await factory.CreateReadyClientAsync();
        var face = TestData.Faces.Images.Single(image => image.File == "faces/obama.jpg").Reference[0];
        using var photo = Image.Load<Rgb24>(TestData.ReadFacePhoto("obama.jpg"));
        var box = Rectangle.FromLTRB((int)face.Box[0], (int)face.Box[1], (int)face.Box[2], (int)face.Box[3]);
        // The face box scaled to 4000 px: the face overflows what the detector's anchors cover at 640 px.
        photo.Mutate(image => image.Crop(box).Resize(4000, 4000 * box.Height / box.Width));

        using var response = await client.EmbedAsync(Requests.Multipart(Jpeg(photo), fileName: "huge.jpg"));

        await AssertEmbeddedOrNoFaceAsync(response);
    }

    /// <summary>Either a 422 no_face, or a 200 whose faces each carry a full, finite, unit-length embedding.</summary>
    private static async Task AssertEmbeddedOrNoFaceAsync(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            await response.IsProblemAsync(HttpStatusCode.UnprocessableEntity, "no_face");
            return;
        }

        var result = await WireJson.ReadOkAsync<EmbedResult>(response);
        Assert.NotEmpty(result.Faces);
        Assert.All(result.Faces, face =>
        {
            Assert.Equal(FaceApiFactory.Dimension, face.Embedding.Length);
            Assert.All(face.Embedding, value => Assert.True(float.IsFinite(value), $"embedding value {value}"));
            Assert.Equal(1f, MathF.Sqrt(face.Embedding.Sum(value => value * value)), 3);
            Assert.True(face.Box.Width > 0 && face.Box.Height > 0, $"box {face.Box}");
        });
    }

    // A valid, non-zero embedding of MobileFaceNet's 128 values, as a JSON array.
    private static string UnitEmbedding(int dimension) => $"[{EmbeddingValues(dimension)}]";

    private static string EmbeddingValues(int count) =>
        string.Join(", ", Enumerable.Range(0, count).Select(i => (0.05 + (i % 7 * 0.01)).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)));

    private static byte[] Png(Image image)
    {
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return stream.ToArray();
    }

    private static byte[] Jpeg(Image image)
    {
        using var stream = new MemoryStream();
        image.SaveAsJpeg(stream);
        return stream.ToArray();
    }
}
