using System.Text.Json;
using Xunit;

namespace FaceApi.Testing;

/// <summary>
/// The shared test data (models, photos, faces.json) in ../shared/testdata beside the repository
/// root, the folder holding FaceApi.sln. It is never copied into the repository, so a checkout
/// without it skips the tests that need it instead of failing them.
/// </summary>
public static class TestData
{
    private const string SolutionFile = "FaceApi.sln";
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };
    private static readonly Lazy<FacesManifest> FacesManifest = new(ReadFacesManifest);

    /// <summary>Full path of the repository root (the folder holding FaceApi.sln), or null when the tests run outside a checkout.</summary>
    public static string? RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Full path of ../shared/testdata, or null when it or the repository root cannot be found.</summary>
    public static string? Root { get; } = FindRoot();

    public static bool IsAvailable => Root is not null;

    /// <summary>Labels and reference detections of the photos in faces/ (faces.json).</summary>
    public static FacesManifest Faces => FacesManifest.Value;

    /// <summary>Full path of a file under the test data folder, such as "models/mobilefacenet.onnx".</summary>
    /// <exception cref="InvalidOperationException">The test data folder was not found.</exception>
    public static string Path(string relativePath) =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(
            Root ?? throw new InvalidOperationException(MissingFolderMessage), relativePath));

    /// <summary>Skips the running test, with a message saying where the data was looked for, when the test data folder is absent.</summary>
    public static void SkipIfUnavailable()
    {
        if (!IsAvailable)
        {
            Assert.Skip(MissingFolderMessage);
        }
    }

    /// <summary>Full path of a test data file; skips the running test when the file is absent.</summary>
    public static string Require(string relativePath)
    {
        SkipIfUnavailable();
        var path = Path(relativePath);
        if (!File.Exists(path))
        {
            Assert.Skip($"Test data file {path} is absent; see ../shared/testdata/SOURCES.md.");
        }

        return path;
    }

    /// <summary>
    /// File names in faces/, sorted; one placeholder name when the folder is absent, so a theory
    /// over them still has a case to report as skipped.
    /// </summary>
    public static IReadOnlyList<string> FacePhotoNames() => IsAvailable
        ? Directory.EnumerateFiles(Path("faces")).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray()
        : ["(shared testdata absent)"];

    /// <summary>The bytes of a photo in faces/; skips the running test when it is absent.</summary>
    public static byte[] ReadFacePhoto(string fileName) => File.ReadAllBytes(Require(System.IO.Path.Combine("faces", fileName)));

    private static string MissingFolderMessage =>
        $"Test data not found: expected ../shared/testdata beside the folder holding {SolutionFile}, " +
        $"searched upwards from {AppContext.BaseDirectory}.";

    private static string? FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, SolutionFile)))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    private static string? FindRoot()
    {
        if (RepositoryRoot is null)
        {
            return null;
        }

        var testData = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepositoryRoot, "..", "shared", "testdata"));
        return Directory.Exists(testData) ? testData : null;
    }

    private static FacesManifest ReadFacesManifest()
    {
        using var stream = File.OpenRead(Require("faces.json"));
        return JsonSerializer.Deserialize<FacesManifest>(stream, JsonOptions)
            ?? throw new InvalidDataException("faces.json is empty.");
    }
}
