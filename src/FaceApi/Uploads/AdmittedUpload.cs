using FaceApi.Hosting;

namespace FaceApi.Uploads;

/// <summary>An upload whose body is in and which holds an admission slot; disposing releases both.</summary>
public sealed class AdmittedUpload : IDisposable
{
    private readonly IDisposable _slot;

    /// <summary>Takes a slot for <paramref name="body"/>.</summary>
    /// <remarks>
    /// The slot is taken here, after this object exists: were it taken first, an allocation failing
    /// between the two would hold the slot for good.
    /// </remarks>
    /// <exception cref="Core.Batching.QueueFullException">No slot is free.</exception>
    public AdmittedUpload(UploadedBody body, RequestAdmission admission)
    {
        Body = body;
        _slot = admission.Enter();
    }

    public UploadedBody Body { get; }

    public void Dispose()
    {
        _slot.Dispose();
        Body.Dispose();
    }
}
