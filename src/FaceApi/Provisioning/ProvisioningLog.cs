namespace FaceApi.Provisioning;

/// <summary>Source-generated log messages for model provisioning (no formatting cost when the level is off).</summary>
internal static partial class ProvisioningLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Using model files already on disk: {ModelFiles}")]
    public static partial void ReusingModelFiles(ILogger logger, string modelFiles);

    [LoggerMessage(Level = LogLevel.Information, Message = "Another process is provisioning models in {Directory}; waiting for it to finish")]
    public static partial void WaitingForOtherProcess(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloading model pack {PackUrl} ({Size}) into {Directory}")]
    public static partial void DownloadStarting(ILogger logger, string packUrl, string size, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded {ReceivedMegabytes:F1} of {TotalMegabytes:F1} MB ({Percent}%)")]
    public static partial void DownloadProgress(ILogger logger, double receivedMegabytes, double totalMegabytes, long percent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Downloaded {ReceivedMegabytes:F1} MB")]
    public static partial void DownloadProgressOfUnknownSize(ILogger logger, double receivedMegabytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model pack verified ({Megabytes:F1} MB in {Elapsed}); installed {ModelFiles}")]
    public static partial void ModelFilesInstalled(ILogger logger, double megabytes, TimeSpan elapsed, string modelFiles);

    [LoggerMessage(Level = LogLevel.Error, Message = "Model provisioning failed: {Reason}")]
    public static partial void ProvisioningFailed(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model files are missing and automatic download is off (FaceApi:Models:AutoDownload)")]
    public static partial void DownloadDisabled(ILogger logger);

    // The remedy is the one line an operator needs; it is built once so the result and the log say the same.
    [LoggerMessage(Level = LogLevel.Error, Message = "{Remedy}")]
    public static partial void Remedy(ILogger logger, string remedy);
}
