namespace FaceApi.Provisioning;

/// <summary>Outcome of <see cref="ModelProvisioner.EnsureModelsAsync"/>; the host keeps readiness at 503 unless provisioned.</summary>
/// <param name="Status">How provisioning ended.</param>
/// <param name="ModelFilePaths">Full paths of the required files, in the order they were asked for.</param>
/// <param name="Reason">What failed, for readiness output and logs; null when provisioned.</param>
/// <param name="Remedy">What an operator should do about it; null when provisioned.</param>
/// <param name="IsTransient">
/// True for a <see cref="ProvisioningStatus.Failed"/> that trying again later may cure (network error, timeout,
/// HTTP 5xx/408/429, truncated download, disk error); false for one only an operator can (not in the pack,
/// HTTP 404/403, wrong checksum, pack without the file) and for every other status.
/// </param>
public sealed record ProvisioningResult(
    ProvisioningStatus Status,
    IReadOnlyList<string> ModelFilePaths,
    string? Reason = null,
    string? Remedy = null,
    bool IsTransient = false)
{
    public bool IsProvisioned => Status is ProvisioningStatus.Reused or ProvisioningStatus.Downloaded;
}
