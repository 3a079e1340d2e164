using FaceApi.Testing;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.Endpoints;

/// <summary>
/// JSON bodies whose images are data: URLs, as a browser's FileReader.readAsDataURL makes them:
/// the service reads the base64 after the comma and answers exactly as for plain base64.
/// </summary>
public sealed class DataUrlTests(FaceApiFactory service)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_image_sent_as_a_data_url_embeds_the_same_as_plain_base64()
    {
        var photo = TestData.ReadFacePhoto("rose1.jpg");

        using var plain = await service.Client.PostAsync("/embed", UploadContent.Json(new { image = Convert.ToBase64String(photo) }), Cancellation);
        using var dataUrl = await service.Client.PostAsync("/embed", UploadContent.Json(new { image = DataUrl("image/jpeg", photo) }), Cancellation);

        var expected = await WireJson.ReadOkAsync<EmbedResult>(plain);
        var actual = await WireJson.ReadOkAsync<EmbedResult>(dataUrl);
        Assert.Equal(expected.Faces.Length, actual.Faces.Length);
        Assert.Equal(expected.Faces[0].Box, actual.Faces[0].Box);
        Assert.Equal(expected.Faces[0].Embedding, actual.Faces[0].Embedding);
    }

    [Fact]
    public async Task Two_data_urls_verify_as_the_same_person()
    {
        using var response = await service.Client.PostAsync(
            "/verify",
            UploadContent.Json(new
            {
                image1 = DataUrl("image/jpeg", TestData.ReadFacePhoto("john1.jpeg")),
                image2 = DataUrl("image/jpeg", TestData.ReadFacePhoto("john2.jpeg")),
            }),
            Cancellation);

        var result = await WireJson.ReadOkAsync<VerifyResult>(response);
        Assert.True(result.Match, $"similarity {result.Similarity}");
        Assert.InRange(result.Similarity, IdentityFigures.SamePersonMinimum, 1f);
    }

    [Fact]
    public async Task A_data_url_without_a_comma_carries_no_image_and_is_refused_as_such()
    {
        using var response = await service.Client.PostAsync("/embed", UploadContent.Json(new { image = "data:image/jpeg;base64" }), Cancellation);

        await ProblemAssert.IsProblemAsync(response, System.Net.HttpStatusCode.BadRequest, "invalid_image");
    }

    private static string DataUrl(string mediaType, byte[] bytes) => $"data:{mediaType};base64,{Convert.ToBase64String(bytes)}";
}
