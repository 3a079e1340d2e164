using FaceApi.Core.Alignment;
using FaceApi.Core.Comparison;
using FaceApi.Core.Imaging;
using FaceApi.Testing;

namespace FaceApi.Core.Tests.Recognition;

/// <summary>
/// The whole pipeline (decode, detect, align, embed, cosine) on labelled real photos, held to the
/// figures the README states (<see cref="IdentityFigures"/>).
/// </summary>
public sealed class IdentityTests(ModelFixture models) : IClassFixture<ModelFixture>
{

    [Fact]
    public async Task Every_same_person_pair_scores_above_every_different_person_pair()
    {
        TestData.RequireAvailable();
        var people = await EmbedLabelledPhotosAsync();
        var (same, different) = Pairs(people);

        Assert.NotEmpty(same);
        Assert.NotEmpty(different);
        Assert.True(
            same.Min() > different.Max(),
            $"Same-person similarities {same.Min():F3}..{same.Max():F3} overlap different-person {different.Min():F3}..{different.Max():F3}.");
    }

    [Fact]
    public async Task Every_pair_is_within_the_figures_the_readme_states_and_the_threshold_separates_them()
    {
        TestData.RequireAvailable();
        var people = await EmbedLabelledPhotosAsync();
        var (same, different) = Pairs(people);

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{same.Count} same-person pairs {same.Min():F4}..{same.Max():F4}; {different.Count} different-person pairs {different.Min():F4}..{different.Max():F4}.");
        Assert.All(same, s => Assert.True(s >= IdentityFigures.SamePersonMinimum, $"same-person pair scored {s:F4}, under the README's {IdentityFigures.SamePersonMinimum}"));
        Assert.All(different, s => Assert.True(s <= IdentityFigures.DifferentPersonMaximum, $"different-person pair scored {s:F4}, over the README's {IdentityFigures.DifferentPersonMaximum}"));
        Assert.InRange(TestModelSettings.VerificationThreshold, IdentityFigures.DifferentPersonMaximum, IdentityFigures.SamePersonMinimum);
    }

    [Fact]
    public async Task The_same_image_twice_gives_the_same_embedding()
    {
        TestData.RequireAvailable();
        var first = await EmbedLargestFaceAsync("faces/rose1.jpg");
        var second = await EmbedLargestFaceAsync("faces/rose1.jpg");

        Assert.Equal(first.Vector, second.Vector);
        Assert.Equal(1f, MathF.Sqrt(first.Vector.Sum(v => v * v)), 4);
        Assert.True(first.Norm > 1f, "the raw, unnormalised norm is reported");
    }

    private async Task<List<(string Person, float[] Embedding)>> EmbedLabelledPhotosAsync()
    {
        var result = new List<(string, float[])>();
        foreach (var photo in TestData.Faces.Images.Where(i => i.Person is not null && i.Faces == 1))
        {
            result.Add((photo.Person!, (await EmbedLargestFaceAsync(photo.File)).Vector));
        }

        return result;
    }

    private async Task<Core.Recognition.FaceEmbedding> EmbedLargestFaceAsync(string file)
    {
        var decoder = new ImageDecoder(new ImageDecodingOptions());
        using var image = decoder.Decode(await File.ReadAllBytesAsync(TestData.Path(file)));
        var faces = models.Detector!.Detect(image);
        var crop = FaceAligner.Align(image, faces[0].Landmarks.ToArray(), models.Embedder!.CropSize);
        return (await models.Embedder.EmbedAsync([crop], CancellationToken.None))[0];
    }

    private static (List<float> Same, List<float> Different) Pairs(List<(string Person, float[] Embedding)> people)
    {
        var same = new List<float>();
        var different = new List<float>();
        for (var i = 0; i < people.Count; i++)
        {
            for (var j = i + 1; j < people.Count; j++)
            {
                var similarity = FaceComparer.CosineSimilarity(people[i].Embedding, people[j].Embedding);
                (people[i].Person == people[j].Person ? same : different).Add(similarity);
            }
        }

        return (same, different);
    }
}
