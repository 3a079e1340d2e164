namespace FaceApi.Tests.Hosting;

/// <summary>
/// The service with its default models configured but absent from an empty models folder and
/// downloads off: what an offline install without mounted models looks like.
/// </summary>
public sealed class MissingModelsFaceApiFactory : FaceApiFactory
{
    private readonly DirectoryInfo _emptyModels = Directory.CreateTempSubdirectory("faceapi-no-models-");

    protected override string ExpectedState => "failed";

    protected override bool NeedsTestData => false;

    protected override void Configure(IDictionary<string, string?> settings)
    {
        settings["FaceApi:Models:Directory"] = _emptyModels.FullName;
        settings["FaceApi:Models:AutoDownload"] = "false";
        ShowOnlyWarningLogs(settings);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _emptyModels.Delete(recursive: true);
    }
}
