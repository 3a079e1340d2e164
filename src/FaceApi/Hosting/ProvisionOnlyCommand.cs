using FaceApi.Models;
using FaceApi.Provisioning;

namespace FaceApi.Hosting;

/// <summary>
/// <c>--provision-models-only</c>: download and verify the model files, then exit (0 when they are
/// in place). Compose and Kubernetes run it once before the replicas, so replicas sharing a model
/// volume do not each download the 326 MB pack.
/// </summary>
public static class ProvisionOnlyCommand
{
    public const string Flag = "--provision-models-only";

    public static async Task<int> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var files = services.GetRequiredService<ModelFiles>();
        var result = await services.GetRequiredService<ModelProvisioner>()
            .EnsureModelsAsync([files.Detector, files.Recognition], cancellationToken);
        return result.IsProvisioned ? 0 : 1;
    }
}
