namespace FaceApi.Provisioning;

/// <summary>Logs download progress at every tenth of the total, and at least every few seconds so a slow link still shows life.</summary>
internal sealed class DownloadProgressReporter(ILogger logger, TimeProvider timeProvider, long? totalBytes)
{
    internal const double BytesPerMegabyte = 1024 * 1024;

    // Ten lines for a whole download: enough to see it move, few enough not to flood the log.
    private const long PercentStep = 10;

    // A 326 MB pack over a slow link takes minutes; a line every 10 s shows it is not stuck.
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private long _nextPercent = PercentStep;
    private long _lastLogged = timeProvider.GetTimestamp();

    public void Report(long receivedBytes)
    {
        var intervalElapsed = timeProvider.GetElapsedTime(_lastLogged) >= Interval;
        if (totalBytes is long total and > 0)
        {
            var percent = receivedBytes * 100 / total;
            if (percent >= _nextPercent || intervalElapsed)
            {
                ProvisioningLog.DownloadProgress(logger, receivedBytes / BytesPerMegabyte, total / BytesPerMegabyte, percent);
                _nextPercent = (percent / PercentStep + 1) * PercentStep;
                _lastLogged = timeProvider.GetTimestamp();
            }
        }
        else if (intervalElapsed)
        {
            ProvisioningLog.DownloadProgressOfUnknownSize(logger, receivedBytes / BytesPerMegabyte);
            _lastLogged = timeProvider.GetTimestamp();
        }
    }
}
