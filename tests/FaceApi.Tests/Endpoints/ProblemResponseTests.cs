using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FaceApi.Testing;
using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.Endpoints;

/// <summary>Every client mistake gets its documented status and stable code as RFC 9457 problem details, never a 500.</summary>
public sealed class ProblemResponseTests(FaceApiFactory service)
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Bytes_that_are_no_image_are_invalid_image()
    {
        var notAnImage = Encoding.ASCII.GetBytes("these bytes are not an image, only text pretending to be one");

        using var response = await service.Client.PostAsync("/embed", UploadContent.Multipart(("image", notAnImage)), Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_image");
    }

    [Fact]
    public async Task A_known_image_format_the_decoder_cannot_read_is_unsupported_format()
    {
        // "8BPS" opens every Photoshop file (Adobe Photoshop File Formats Specification, File Header Section).
        byte[] photoshop = [.. "8BPS"u8, .. new byte[64]];

        using var response = await service.Client.PostAsync("/embed", UploadContent.Multipart(("image", photoshop)), Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_format");
    }

    [Fact]
    public async Task An_image_wider_than_the_limit_is_image_too_large()
    {
        // The default FaceApi:Limits:MaxWidth (ImageDecodingOptions).
        var tooWide = TestImages.Wider(maxWidth: 12_000);

        using var response = await service.Client.PostAsync("/embed", UploadContent.Multipart(("image", tooWide)), Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "image_too_large");
    }

    [Fact]
    public async Task A_multipart_body_without_the_image_field_is_invalid_request()
    {
        using var response = await service.Client.PostAsync("/embed", UploadContent.Multipart(("photo", TestImages.WithoutFace())), Cancellation);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("'image'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_body_without_the_image_field_is_invalid_request()
    {
        using var response = await service.Client.PostAsync("/embed", UploadContent.Json(new { picture = "abc" }), Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("{\"image\": ")]
    [InlineData("[1, 2, 3]")]
    [InlineData("")]
    public async Task Json_that_is_malformed_or_not_an_object_is_invalid_request(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await service.Client.PostAsync("/embed", content, Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("QUJD*")]
    public async Task Bad_base64_is_invalid_request(string image)
    {
        using var response = await service.Client.PostAsync("/embed", UploadContent.Json(new { image }), Cancellation);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("base64", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("many")]
    public async Task A_maxFaces_below_one_or_not_a_number_is_invalid_request(string maxFaces)
    {
        using var response = await service.Client.PostAsync($"/embed?maxFaces={maxFaces}", UploadContent.Multipart(("image", TestImages.WithoutFace())), Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("NaN")]
    [InlineData("high")]
    public async Task A_threshold_outside_zero_to_one_is_invalid_request(string threshold)
    {
        using var response = await service.Client.PostAsync(
            $"/verify?threshold={threshold}",
            UploadContent.Json(new { embedding1 = UnitEmbedding(0), embedding2 = UnitEmbedding(1) }),
            Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task An_embedding_of_the_wrong_dimension_is_invalid_request()
    {
        var w600kSized = new float[512];
        w600kSized[0] = 1;

        using var response = await service.Client.PostAsync("/verify", UploadContent.Json(new { embedding1 = w600kSized, embedding2 = UnitEmbedding(0) }), Cancellation);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("128", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("[NaN]")]
    [InlineData("Infinity")]
    [InlineData("not numbers")]
    public async Task A_multipart_embedding_that_is_not_an_array_of_finite_numbers_is_invalid_request(string text)
    {
        using var response = await service.Client.PostAsync(
            "/verify",
            new MultipartFormDataContent().WithText("embedding1", text).WithText("embedding2", UploadContent.EmbeddingText(UnitEmbedding(0))),
            Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData("1e39")]
    [InlineData("-1e39")]
    [InlineData("\"0.5\"")]
    [InlineData("null")]
    public async Task A_json_embedding_value_beyond_float_range_or_not_a_number_is_invalid_request(string value)
    {
        var valid = string.Join(",", Enumerable.Repeat("0.1", FaceApiFactory.Dimension));
        var invalid = string.Join(",", Enumerable.Repeat("0.1", FaceApiFactory.Dimension - 1).Append(value));
        using var content = new StringContent($"{{\"embedding1\": [{invalid}], \"embedding2\": [{valid}]}}", Encoding.UTF8, "application/json");

        using var response = await service.Client.PostAsync("/verify", content, Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Theory]
    [InlineData(0f, false)]
    [InlineData(1e-30f, false)]
    [InlineData(1e-30f, true)]
    [InlineData(1e30f, false)]
    [InlineData(1e30f, true)]
    public async Task An_embedding_without_a_usable_direction_is_invalid_request(float each, bool onBothSides)
    {
        // All zeros has no direction. Squared, 1e-30 underflows to zero and 1e30 overflows to infinity
        // in single precision: against a unit vector the cosine was x/0 (a false match) or x/inf, and
        // against itself 0/0 or inf/inf (a 500).
        var degenerate = Enumerable.Repeat(each, FaceApiFactory.Dimension).ToArray();
        var other = onBothSides ? degenerate : UnitEmbedding(0);

        using var response = await service.Client.PostAsync("/verify", UploadContent.Json(new { embedding1 = degenerate, embedding2 = other }), Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
    }

    [Fact]
    public async Task A_stored_embedding_far_from_unit_length_compares_by_its_direction()
    {
        // 1.5e18 is near the largest value whose 128 squares still sum within single precision (3.4e38).
        var large = Enumerable.Repeat(1.5e18f, FaceApiFactory.Dimension).ToArray();
        var small = Enumerable.Repeat(1e-3f, FaceApiFactory.Dimension).ToArray();

        using var response = await service.Client.PostAsync("/verify", UploadContent.Json(new { embedding1 = large, embedding2 = small }), Cancellation);

        var result = await WireJson.ReadOkAsync<VerifyResult>(response);
        Assert.Equal(1f, result.Similarity, 5);
        Assert.True(result.Match);
    }

    [Fact]
    public async Task Both_an_image_and_an_embedding_for_one_side_is_invalid_request()
    {
        var photo = TestData.ReadFacePhoto("rose1.jpg");

        using var response = await service.Client.PostAsync(
            "/verify",
            UploadContent.Json(new { image1 = photo, embedding1 = UnitEmbedding(0), embedding2 = UnitEmbedding(1) }),
            Cancellation);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("image1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_side_with_neither_image_nor_embedding_is_invalid_request()
    {
        using var response = await service.Client.PostAsync("/verify", UploadContent.Json(new { embedding1 = UnitEmbedding(0) }), Cancellation);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "invalid_request");
        Assert.Contains("image2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/embed", "text/plain")]
    [InlineData("/verify", "application/x-www-form-urlencoded")]
    [InlineData("/verify", "image/jpeg")]
    public async Task A_body_neither_multipart_nor_json_is_unsupported_media_type(string path, string mediaType)
    {
        using var content = new ByteArrayContent(TestImages.WithoutFace());
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);

        using var response = await service.Client.PostAsync(path, content, Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task An_image_without_a_face_is_no_face_on_embed()
    {
        using var response = await service.Client.PostAsync("/embed", UploadContent.Multipart(("image", TestImages.WithoutFace())), Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "no_face");
    }

    [Theory]
    [InlineData("image1")]
    [InlineData("image2")]
    public async Task Verify_names_the_side_whose_image_has_no_face(string faceless)
    {
        var face = TestData.ReadFacePhoto("rose1.jpg");
        var blank = TestImages.WithoutFace();
        var (image1, image2) = faceless == "image1" ? (blank, face) : (face, blank);

        using var response = await service.Client.PostAsync("/verify", UploadContent.Multipart(("image1", image1), ("image2", image2)), Cancellation);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "no_face");
        Assert.Equal(faceless, problem.GetProperty("side").GetString());
    }

    [Fact]
    public async Task An_unknown_path_is_a_not_found_problem()
    {
        using var response = await service.Client.GetAsync("/no-such-endpoint", Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_wrong_method_is_a_method_not_allowed_problem()
    {
        using var response = await service.Client.GetAsync("/embed", Cancellation);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
    }

    // A unit vector along one axis: a valid stored embedding of MobileFaceNet's dimension.
    private static float[] UnitEmbedding(int axis)
    {
        var embedding = new float[FaceApiFactory.Dimension];
        embedding[axis] = 1;
        return embedding;
    }
}
