namespace FaceApi.Core.Tests;

/// <summary>
/// Finds the shared test data at <c>../shared/testdata</c> beside the repository root (the folder holding
/// FaceApi.sln). Deliberately minimal: FaceApi.Testing is to hold the fuller shared helper.
/// </summary>
internal static class TestData
{
    private const string AbsentPlaceholder = "(shared testdata absent)";

    private static readonly string FacesDirectory = Path.Combine(FindRepositoryRoot(), "..", "shared", "testdata", "faces");

    /// <summary>Every photo in the faces folder, or one placeholder row when the folder is absent, so theories still run and skip.</summary>
    public static TheoryData<string> FacePhotoNames()
    {
        IEnumerable<string> names = Directory.Exists(FacesDirectory)
            ? Directory.EnumerateFiles(FacesDirectory).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)
            : [AbsentPlaceholder];
        return [.. names];
    }

    /// <summary>The bytes of a photo in the faces folder; skips the calling test when the folder is absent.</summary>
    public static byte[] ReadFacePhoto(string fileName)
    {
        if (!Directory.Exists(FacesDirectory))
        {
            Assert.Skip($"Shared test photos not found at {Path.GetFullPath(FacesDirectory)}.");
        }

        return File.ReadAllBytes(Path.Combine(FacesDirectory, fileName));
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FaceApi.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No FaceApi.sln above {AppContext.BaseDirectory}.");
    }
}
