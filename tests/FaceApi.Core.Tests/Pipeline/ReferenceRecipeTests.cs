using System.Globalization;
using System.Text.Json;
using FaceApi.Core.Alignment;
using FaceApi.Core.Comparison;
using FaceApi.Core.Imaging;
using FaceApi.Testing;

namespace FaceApi.Core.Tests.Pipeline;

/// <summary>
/// FaceApi's decode, detect, align and embed against InsightFace's own Python recipe run with OpenCV
/// (reference_recipe.json beside this file, written by tools/reference/insightface_recipe.py from the
/// shared photos and models): the embeddings users mix with InsightFace's must agree (issue 10).
/// </summary>
public sealed class ReferenceRecipeTests(ModelFixture models) : IClassFixture<ModelFixture>
{
    // Issue 10's acceptance bar on held-out photos: mean cosine at least 0.997, worst at least 0.99.
    private const double MinimumMeanCosine = 0.997;
    private const double MinimumCosine = 0.99;

    private static readonly ImageDecoder Decoder = new(new ImageDecodingOptions());

    [Fact]
    public async Task Largest_face_embeddings_agree_with_InsightFace_run_by_OpenCV()
    {
        TestData.RequireAvailable();
        var reference = ReadReference();
        var output = TestContext.Current.TestOutputHelper!;
        var cosines = new List<double>();
        foreach (var photo in reference.Photos)
        {
            using var image = Decoder.Decode(await File.ReadAllBytesAsync(TestData.Require(photo.File), TestContext.Current.CancellationToken));
            var faces = models.Detector!.Detect(image);
            var largest = faces[0];
            var crop = FaceAligner.Align(image, largest.Landmarks.ToArray(), models.Embedder!.CropSize);
            var embedding = (await models.Embedder.EmbedAsync([crop], TestContext.Current.CancellationToken))[0];

            var cosine = FaceComparer.CosineSimilarity(embedding.Vector, photo.Embedding);
            var landmarkError = Enumerable.Range(0, 5).Max(k => Math.Max(
                Math.Abs(largest.Landmarks[k].X - photo.Kps[k][0]),
                Math.Abs(largest.Landmarks[k].Y - photo.Kps[k][1])));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{photo.File}: cosine {cosine:F5}, landmarks within {landmarkError:F2} px, faces {faces.Count} (reference {photo.Faces})"));
            Assert.Equal(photo.Faces, faces.Count);
            cosines.Add(cosine);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cosines.Count} photos: mean cosine {cosines.Average():F5}, worst {cosines.Min():F5}"));
        Assert.InRange(cosines.Min(), MinimumCosine, 1.0001);
        Assert.InRange(cosines.Average(), MinimumMeanCosine, 1.0001);
    }

    private static ReferenceRecipe ReadReference()
    {
        var path = Path.Combine(TestData.RepositoryRoot!, "tests", "FaceApi.Core.Tests", "Pipeline", "reference_recipe.json");
        return JsonSerializer.Deserialize<ReferenceRecipe>(File.ReadAllText(path), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;
    }

    private sealed record ReferenceRecipe(string About, IReadOnlyList<ReferencePhoto> Photos);

    private sealed record ReferencePhoto(string File, int Faces, float[] Box, float[][] Kps, float[] Embedding);
}
