namespace FaceApi.Provisioning;

/// <summary>
/// Cross-process lock on the models folder, so replicas sharing a volume download the pack once: the first
/// takes the lock and downloads; the others wait, then find the files in place. On Unix .NET takes an advisory
/// flock for <see cref="FileShare.None"/>, which the kernel drops when a process dies, so a crash never leaves a
/// stale lock. Correctness does not depend on it (network file systems may ignore flock): every writer uses its
/// own temp names and moves finished, verified files into place atomically, so the lock only saves downloads.
/// The lock file itself is left in place: deleting it would let a waiter lock an unlinked file while a newcomer
/// locks a fresh one.
/// </summary>
internal sealed class ProvisioningLock : IDisposable
{
    internal const string FileName = ".provisioning.lock";

    // Checking once a second keeps waiting replicas responsive without busy-looping during a minutes-long download.
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    // What .NET puts in IOException.HResult when another handle holds the lock: ERROR_SHARING_VIOLATION as an
    // HRESULT on Windows; on Unix the raw errno of the failed non-blocking flock, EWOULDBLOCK, which errno.h
    // defines as 11 on Linux and 35 on macOS/BSD. The values cannot collide: Windows HRESULTs are negative.
    private const int WindowsSharingViolation = unchecked((int)0x80070020);
    private const int LinuxWouldBlock = 11;
    private const int MacWouldBlock = 35;

    private readonly FileStream _lockFile;

    private ProvisioningLock(FileStream lockFile) => _lockFile = lockFile;

    public static async Task<ProvisioningLock> AcquireAsync(
        string directory, TimeProvider timeProvider, Action onFirstWait, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, FileName);
        var waited = false;
        while (true)
        {
            try
            {
                return new ProvisioningLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException ex) when (ex.HResult is WindowsSharingViolation or LinuxWouldBlock or MacWouldBlock)
            {
                if (!waited)
                {
                    onFirstWait();
                    waited = true;
                }

                await Task.Delay(RetryInterval, timeProvider, cancellationToken);
            }
        }
    }

    public void Dispose() => _lockFile.Dispose();
}
