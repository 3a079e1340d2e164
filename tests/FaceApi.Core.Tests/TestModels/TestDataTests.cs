using FaceApi.Testing;

namespace FaceApi.Core.Tests.TestModels;

public sealed class TestDataTests
{
    [Fact]
    public void Faces_manifest_lists_the_sixteen_labelled_photos_with_complete_references()
    {
        TestData.RequireAvailable();

        var images = TestData.Faces.Images;

        // ../shared/testdata/SOURCES.md lists 16 photos under faces/.
        Assert.Equal(16, images.Count);
        Assert.All(images, image =>
        {
            Assert.True(File.Exists(TestData.Path(image.File)), image.File);
            Assert.Equal(image.Faces, image.Reference.Count);
            Assert.All(image.Reference, face =>
            {
                Assert.Equal(4, face.Box.Length);
                Assert.True(face.Box[0] < face.Box[2] && face.Box[1] < face.Box[3], $"{image.File}: box is not x1,y1,x2,y2");
                Assert.InRange(face.Score, 0.5f, 1f);
                Assert.Equal(5, face.Landmarks.Length);
                Assert.All(face.Landmarks, point => Assert.Equal(2, point.Length));
            });
        });
        Assert.Equal("obama", images.Single(image => image.File == "faces/obama.jpg").Person);
        Assert.Null(images.Single(image => image.File == "faces/obama_family.jpg").Person);
    }
}
