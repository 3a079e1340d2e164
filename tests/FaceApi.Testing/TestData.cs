using System.Text.Json;
using Xunit;

namespace FaceApi.Testing;

/// <summary>
/// The test data: the public photos and models that <c>tests/get-testdata.sh</c> downloads (never
/// committed), and the small derived files committed under <c>tests/testdata</c> (faces.json,
/// resize/). The downloaded folder is <c>FACEAPI_TESTDATA</c> when set, else <c>../shared/testdata</c>
/// beside the repository root. A test whose data is missing fails, naming the file and the one
/// command that fetches it; it never skips, so a run without data cannot look green.
/// </summary>
public static class TestData
{
    /// <summary>The variable that points the tests at a test data folder.</summary>
    public const string FolderVariable = "FACEAPI_TESTDATA";

    /// <summary>The command, run from the repository root, that downloads the data.</summary>
    public const string FetchCommand = "bash tests/get-testdata.sh";

    private const string SolutionFile = "FaceApi.sln";
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };
    private static readonly Lazy<FacesManifest> FacesManifest = new(ReadFacesManifest);

    /// <summary>Full path of the repository root (the folder holding FaceApi.sln), or null when the tests run outside a checkout.</summary>
    public static string? RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Where the downloaded data is expected: <c>FACEAPI_TESTDATA</c>, else ../shared/testdata beside the repository root; null when neither can be named.</summary>
    public static string? Folder { get; } = FindFolder();

    /// <summary>The committed derived data, <c>tests/testdata</c> in the repository.</summary>
    public static string? CommittedFolder { get; } =
        RepositoryRoot is null ? null : System.IO.Path.Combine(RepositoryRoot, "tests", "testdata");

    /// <summary>Whether the downloaded data is in place (both models present).</summary>
    public static bool IsAvailable =>
        Folder is not null && File.Exists(System.IO.Path.Combine(Folder, "models", "mobilefacenet.onnx"))
        && File.Exists(System.IO.Path.Combine(Folder, "models", "scrfd_2.5g_bnkps.onnx"));

    /// <summary>Labels and reference detections of the photos in faces/ (faces.json, committed).</summary>
    public static FacesManifest Faces => FacesManifest.Value;

    /// <summary>
    /// Full path of a test data file such as "models/mobilefacenet.onnx" or "resize/resize.json": the
    /// committed copy when there is one, else the path in the downloaded folder (which may not exist;
    /// see <see cref="Require"/>).
    /// </summary>
    public static string Path(string relativePath)
    {
        if (CommittedFolder is not null)
        {
            var committed = System.IO.Path.GetFullPath(System.IO.Path.Combine(CommittedFolder, relativePath));
            if (File.Exists(committed) || Directory.Exists(committed))
            {
                return committed;
            }
        }

        return System.IO.Path.GetFullPath(System.IO.Path.Combine(Folder ?? throw new InvalidOperationException(MissingMessage("the test data folder")), relativePath));
    }

    /// <summary>Full path of a test data file; fails the running test, naming the file and <see cref="FetchCommand"/>, when it is absent.</summary>
    public static string Require(string relativePath)
    {
        var path = Path(relativePath);
        if (!File.Exists(path))
        {
            Assert.Fail(MissingMessage(path));
        }

        return path;
    }

    /// <summary>Fails the running test when the downloaded data is not in place (see <see cref="IsAvailable"/>).</summary>
    public static void RequireAvailable()
    {
        if (!IsAvailable)
        {
            Assert.Fail(MissingMessage($"the models in {Folder ?? "(no repository root found)"}/models"));
        }
    }

    /// <summary>The exception a fixture throws when the downloaded data is not in place; null when it is.</summary>
    public static Exception? MissingDataError() =>
        IsAvailable ? null : new InvalidOperationException(MissingMessage($"the models in {Folder ?? "(no repository root found)"}/models"));

    /// <summary>
    /// File names in faces/, sorted, as faces.json (committed) lists them: a theory over them has its
    /// real cases whether or not the photos were downloaded, and each fails on a missing photo.
    /// </summary>
    public static IReadOnlyList<string> FacePhotoNames() =>
        Faces.Images.Select(image => System.IO.Path.GetFileName(image.File)).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The bytes of a photo in faces/; fails the running test when it is absent.</summary>
    public static byte[] ReadFacePhoto(string fileName) => File.ReadAllBytes(Require(System.IO.Path.Combine("faces", fileName)));

    /// <summary>What is missing and the one command that fetches it.</summary>
    public static string MissingMessage(string what) =>
        $"Test data missing: {what}. Run `{FetchCommand}` from the repository root (it downloads the public photos and models " +
        $"into {Folder ?? "../shared/testdata"}; set {FolderVariable} to use another folder).";

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

    private static string? FindFolder()
    {
        var configured = Environment.GetEnvironmentVariable(FolderVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return System.IO.Path.GetFullPath(configured);
        }

        return RepositoryRoot is null ? null : System.IO.Path.GetFullPath(System.IO.Path.Combine(RepositoryRoot, "..", "shared", "testdata"));
    }

    private static FacesManifest ReadFacesManifest()
    {
        using var stream = File.OpenRead(Require("faces.json"));
        return JsonSerializer.Deserialize<FacesManifest>(stream, JsonOptions)
            ?? throw new InvalidDataException("faces.json is empty.");
    }
}
