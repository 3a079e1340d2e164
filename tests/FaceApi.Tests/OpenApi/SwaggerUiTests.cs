using System.Text.RegularExpressions;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.OpenApi;

/// <summary>What a person trying the service in a browser sees: Swagger UI rendered by headless Chromium from the Kestrel server.</summary>
public sealed partial class SwaggerUiTests(KestrelFaceApiFactory service)
{
    [Fact]
    public async Task Lists_both_operations()
    {
        var browser = HeadlessChromium.RequireOrSkip();

        var dom = await browser.DumpDomAsync(SwaggerUi(operation: null));

        Assert.Contains("data-path=\"/embed\"", dom, StringComparison.Ordinal);
        Assert.Contains("data-path=\"/verify\"", dom, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Embed", "image", "")]
    [InlineData("Verify", "image1,image2", "embedding1,embedding2")]
    public async Task Offers_a_file_picker_for_each_image_and_an_empty_text_field_for_each_embedding(string operation, string images, string embeddings)
    {
        var browser = HeadlessChromium.RequireOrSkip();

        var dom = await browser.DumpDomAsync(SwaggerUi(operation));

        // Swagger UI renders each multipart field as <tr data-property-name="..."> with its input inside.
        var inputs = FormField().Matches(dom).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["row"].Value);
        foreach (var field in images.Split(','))
        {
            Assert.Contains("<input type=\"file\"", inputs[field], StringComparison.Ordinal);
        }

        foreach (var field in embeddings.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            // Pre-filled text would be sent along with the images and refused as an invalid embedding.
            Assert.Matches("<input type=\"text\"[^>]*value=\"\"", inputs[field]);
        }

        Assert.Equal(images.Split(',').Length, Regex.Count(dom, "<input type=\"file\""));
    }

    // Deep link: Swagger UI opens this operation with "Try it out" on (see Program.cs).
    private Uri SwaggerUi(string? operation) =>
        new(service.Client.BaseAddress!, operation is null ? "/swagger/index.html" : $"/swagger/index.html#/Faces/{operation}");

    [GeneratedRegex("<tr class=\"parameters\" data-property-name=\"(?<name>\\w+)\">(?<row>.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex FormField();
}
