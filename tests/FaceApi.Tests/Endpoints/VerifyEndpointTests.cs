using System.Numerics.Tensors;
using FaceApi.Testing;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.Endpoints;

public sealed class VerifyEndpointTests(FaceApiFactory service)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    // From faces.json, which is committed: the cases are the same whether or not the photos were downloaded.
    public static TheoryData<string, string> SamePersonPairs() => [.. LabelledPhotos.SamePersonPairs()];

    public static TheoryData<string, string> DifferentPersonPairs() => [.. LabelledPhotos.DifferentPersonPairs()];

    [Theory]
    [MemberData(nameof(SamePersonPairs))]
    public async Task Says_match_for_two_photos_of_the_same_person(string first, string second)
    {
        var result = await VerifyImagesAsync(first, second);

        Assert.True(result.Match, $"{first} vs {second}: similarity {result.Similarity}");
        // The README's figure for every same-person pair, above the threshold.
        Assert.InRange(result.Similarity, IdentityFigures.SamePersonMinimum, 1f);
    }

    [Theory]
    [MemberData(nameof(DifferentPersonPairs))]
    public async Task Says_no_match_for_photos_of_different_people(string first, string second)
    {
        var result = await VerifyImagesAsync(first, second);

        Assert.False(result.Match, $"{first} vs {second}: similarity {result.Similarity}");
        // The README's figure for every different-person pair, under the threshold.
        Assert.InRange(result.Similarity, -1f, IdentityFigures.DifferentPersonMaximum);
    }

    [Fact]
    public async Task Describes_the_largest_face_of_each_image_it_compared()
    {
        var group = TestData.ReadFacePhoto("two_people.jpg");
        using var embedResponse = await service.Client.PostAsync("/embed", UploadContent.Multipart(("image", group)), Cancellation);
        var embedded = await WireJson.ReadOkAsync<EmbedResult>(embedResponse);

        using var response = await service.Client.PostAsync(
            "/verify",
            UploadContent.Json(new { image1 = group, image2 = TestData.ReadFacePhoto("obama.jpg") }),
            Cancellation);

        var result = await WireJson.ReadOkAsync<VerifyResult>(response);
        Assert.Equal(FaceApiFactory.RecognitionModelName, result.Model);
        Assert.Equal(FaceApiFactory.Threshold, result.Threshold);
        Assert.Equal(2, result.Face1!.FacesFound);
        Assert.Equal(embedded.Faces[0].Box, result.Face1.Box);
        Assert.Equal(embedded.Faces[0].Landmarks, result.Face1.Landmarks);
        Assert.Equal(embedded.Faces[0].Score, result.Face1.Score);
        Assert.Equal(1, result.Face2!.FacesFound);
    }

    [Fact]
    public async Task Matches_a_selfie_against_the_embedding_stored_at_enrolment()
    {
        var enrolled = await EmbedLargestFaceAsync("obama.jpg");
        var selfie = TestData.ReadFacePhoto("obama2.jpg");
        var selfieEmbedding = await EmbedLargestFaceAsync("obama2.jpg");

        using var response = await service.Client.PostAsync("/verify", UploadContent.Json(new { image1 = selfie, embedding2 = enrolled }), Cancellation);

        var result = await WireJson.ReadOkAsync<VerifyResult>(response);
        Assert.True(result.Match);
        Assert.Equal(TensorPrimitives.CosineSimilarity(selfieEmbedding, enrolled), result.Similarity, 5);
        Assert.NotNull(result.Face1);
        Assert.Null(result.Face2);
    }

    [Fact]
    public async Task Takes_a_stored_embedding_as_a_multipart_text_field()
    {
        var enrolled = await EmbedLargestFaceAsync("biden.jpg");
        var selfie = TestData.ReadFacePhoto("obama.jpg");

        using var response = await service.Client.PostAsync(
            "/verify",
            UploadContent.Multipart(("image2", selfie)).WithText("embedding1", UploadContent.EmbeddingText(enrolled)),
            Cancellation);

        var result = await WireJson.ReadOkAsync<VerifyResult>(response);
        Assert.False(result.Match);
        Assert.Null(result.Face1);
        Assert.NotNull(result.Face2);
    }

    [Fact]
    public async Task Compares_two_stored_embeddings_without_any_image()
    {
        var first = await EmbedLargestFaceAsync("rose1.jpg");
        var second = await EmbedLargestFaceAsync("rose2.jpg");

        using var response = await service.Client.PostAsync("/verify", UploadContent.Json(new { embedding1 = first, embedding2 = second }), Cancellation);

        var result = await WireJson.ReadOkAsync<VerifyResult>(response);
        Assert.True(result.Match);
        Assert.Equal(TensorPrimitives.Dot(first, second), result.Similarity, 5);
    }

    [Fact]
    public async Task A_threshold_in_the_query_overrides_the_configured_one()
    {
        var plain = await VerifyImagesAsync("rose1.jpg", "rose2.jpg");

        using var response = await service.Client.PostAsync(
            "/verify?threshold=0.999",
            UploadContent.Multipart(("image1", TestData.ReadFacePhoto("rose1.jpg")), ("image2", TestData.ReadFacePhoto("rose2.jpg"))),
            Cancellation);

        var strict = await WireJson.ReadOkAsync<VerifyResult>(response);
        Assert.True(plain.Match);
        Assert.False(strict.Match);
        Assert.Equal(0.999f, strict.Threshold);
        Assert.Equal(plain.Similarity, strict.Similarity);
    }

    private async Task<VerifyResult> VerifyImagesAsync(string first, string second)
    {
        using var response = await service.Client.PostAsync(
            "/verify",
            UploadContent.Multipart(("image1", TestData.ReadFacePhoto(first)), ("image2", TestData.ReadFacePhoto(second))),
            Cancellation);
        var result = await WireJson.ReadOkAsync<VerifyResult>(response);
        Assert.Equal(FaceApiFactory.Threshold, result.Threshold);
        Assert.Equal(result.Similarity >= result.Threshold, result.Match);
        return result;
    }

    private async Task<float[]> EmbedLargestFaceAsync(string file)
    {
        using var response = await service.Client.PostAsync("/embed?maxFaces=1", UploadContent.Multipart(("image", TestData.ReadFacePhoto(file))), Cancellation);
        return (await WireJson.ReadOkAsync<EmbedResult>(response)).Faces[0].Embedding;
    }
}
