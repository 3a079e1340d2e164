namespace FaceApi.Tests.Hosting;

/// <summary>
/// The service with its default models configured but absent from an empty models folder and
/// downloads off: what an offline install without mounted models looks like.
/// </summary>
public sealed class MissingModelsFaceApiFactory : FaceApiFactory
{
    private readonly DirectoryInfo _emptyModels = Directory.CreateTempSubdirectory("faceapi-no-models-");

    public MissingModelsFaceApiFactory()
    {
        // The default model settings (appsettings.json), not the test models'.
        foreach (var key in Settings.Keys.Where(key => key.StartsWith("FaceApi:", StringComparison.Ordinal)).ToArray())
        {
            Settings.Remove(key);
        }

        Settings["FaceApi:Models:Directory"] = _emptyModels.FullName;
        Settings["FaceApi:Models:AutoDownload"] = "false";
    }

    protected override string ExpectedState => "failed";

    protected override bool NeedsTestData => false;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _emptyModels.Delete(recursive: true);
    }
}
