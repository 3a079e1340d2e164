namespace FaceApi.Uploads;

/// <summary>An upload whose body is in and which holds an admission slot; disposing releases both.</summary>
public sealed class AdmittedUpload(UploadedBody body, IDisposable slot) : IDisposable
{
    public UploadedBody Body { get; } = body;

    public void Dispose()
    {
        slot.Dispose();
        Body.Dispose();
    }
}
