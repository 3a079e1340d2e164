namespace FaceApi.Tests.Metrics;

/// <summary>The folder holding FaceApi.sln, found upwards from the test binaries.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "FaceApi.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"FaceApi.sln not found above {AppContext.BaseDirectory}.");
    }
}
