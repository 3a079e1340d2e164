using System.Net;
using System.Text.Json;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.OpenApi;

public sealed class SwaggerDocumentTests(FaceApiFactory service)
{
    [Theory]
    [InlineData("/embed", "image", "")]
    [InlineData("/verify", "image1,image2", "embedding1,embedding2")]
    public async Task Describes_both_request_bodies_with_binary_files_for_multipart_and_base64_for_json(string path, string images, string embeddings)
    {
        var post = (await ReadDocumentAsync()).GetProperty("paths").GetProperty(path).GetProperty("post");

        var content = post.GetProperty("requestBody").GetProperty("content");
        var multipart = content.GetProperty("multipart/form-data").GetProperty("schema").GetProperty("properties");
        var json = content.GetProperty("application/json").GetProperty("schema").GetProperty("properties");
        foreach (var field in images.Split(','))
        {
            Assert.Equal(("string", "binary"), TypeAndFormat(multipart.GetProperty(field)));
            Assert.Equal(("string", "byte"), TypeAndFormat(json.GetProperty(field)));
        }

        foreach (var field in embeddings.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Equal("string", multipart.GetProperty(field).GetProperty("type").GetString());
            Assert.Equal("array", json.GetProperty(field).GetProperty("type").GetString());
        }

        var documented = post.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "200", "400", "408", "413", "415", "422", "503" }, documented);
    }

    [Fact]
    public async Task Describes_the_raw_image_body_of_embed_as_binary_and_offers_none_for_verify()
    {
        var paths = (await ReadDocumentAsync()).GetProperty("paths");
        var embed = paths.GetProperty("/embed").GetProperty("post").GetProperty("requestBody").GetProperty("content");
        var verify = paths.GetProperty("/verify").GetProperty("post").GetProperty("requestBody").GetProperty("content");

        foreach (var mediaType in new[] { "image/jpeg", "image/png", "image/webp", "image/bmp", "image/gif", "image/tiff", "application/octet-stream" })
        {
            Assert.Equal(("string", "binary"), TypeAndFormat(embed.GetProperty(mediaType).GetProperty("schema")));
            Assert.False(verify.TryGetProperty(mediaType, out _), $"/verify offers a raw {mediaType} body.");
        }
    }

    [Fact]
    public async Task Names_the_operations_so_swagger_ui_can_link_to_them()
    {
        var paths = (await ReadDocumentAsync()).GetProperty("paths");

        Assert.Equal("Embed", paths.GetProperty("/embed").GetProperty("post").GetProperty("operationId").GetString());
        Assert.Equal("Verify", paths.GetProperty("/verify").GetProperty("post").GetProperty("operationId").GetString());
    }

    [Fact]
    public async Task Serves_the_document_from_memory_after_its_first_request_whatever_the_host_or_query()
    {
        var first = await GetDocumentAsync("/swagger/v1/swagger.json", host: null);

        // Neither another Host header nor a query string builds it again (an Age header marks an answer
        // from the cache) or stores another copy.
        var otherHost = await GetDocumentAsync("/swagger/v1/swagger.json", host: "elsewhere.example");
        var withQuery = await GetDocumentAsync("/swagger/v1/swagger.json?nocache=1", host: "again.example");
        // Swashbuckle also answers other spellings of its path: another case shares the entry (the cache
        // keys on the path in upper case); a trailing slash is an entry of its own, built once.
        var otherCase = await GetDocumentAsync("/swagger/v1/SWAGGER.JSON", host: null);
        await GetDocumentAsync("/swagger/v1/swagger.json/", host: null);
        var trailingSlash = await GetDocumentAsync("/swagger/v1/swagger.json/", host: null);

        Assert.All([otherHost, withQuery, otherCase, trailingSlash], answer =>
        {
            Assert.NotNull(answer.Age);
            Assert.Equal(first.Body, answer.Body);
        });
    }

    private async Task<(string Body, TimeSpan? Age)> GetDocumentAsync(string path, string? host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        using var response = await service.Client.SendAsync(request, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), response.Headers.Age);
    }

    private async Task<JsonElement> ReadDocumentAsync()
    {
        using var response = await service.Client.GetAsync("/swagger/v1/swagger.json", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone();
    }

    private static (string? Type, string? Format) TypeAndFormat(JsonElement schema) =>
        (schema.GetProperty("type").GetString(), schema.GetProperty("format").GetString());
}
