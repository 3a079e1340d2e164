namespace FaceApi.Provisioning;

/// <summary>How <see cref="ModelProvisioner.EnsureModelsAsync"/> ended.</summary>
public enum ProvisioningStatus
{
    /// <summary>Every required file was already on disk; nothing was downloaded.</summary>
    Reused,

    /// <summary>The pack was downloaded, verified and the missing files extracted.</summary>
    Downloaded,

    /// <summary>Files are missing and <see cref="ModelProvisioningOptions.AutoDownload"/> is off.</summary>
    DownloadDisabled,

    /// <summary>Files are missing and fetching them failed (offline, HTTP error, checksum mismatch, disk error...).</summary>
    Failed,
}
