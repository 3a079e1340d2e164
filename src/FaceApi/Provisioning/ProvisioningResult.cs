namespace FaceApi.Provisioning;

/// <summary>Outcome of <see cref="ModelProvisioner.EnsureModelsAsync"/>; the host keeps readiness at 503 unless provisioned.</summary>
/// <param name="Status">How provisioning ended.</param>
/// <param name="ModelFilePaths">Full paths of the required files, in the order they were asked for.</param>
/// <param name="Reason">What failed, for readiness output and logs; null when provisioned.</param>
/// <param name="Remedy">What an operator should do about it; null when provisioned.</param>
public sealed record ProvisioningResult(
    ProvisioningStatus Status,
    IReadOnlyList<string> ModelFilePaths,
    string? Reason = null,
    string? Remedy = null)
{
    public bool IsProvisioned => Status is ProvisioningStatus.Reused or ProvisioningStatus.Downloaded;
}
