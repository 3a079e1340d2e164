using System.Buffers;
using System.IO.Compression;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace FaceApi.Provisioning;

/// <summary>
/// Makes sure the model files exist before the host loads them, downloading InsightFace's buffalo_l pack when
/// they do not. Never throws for an expected failure (offline, HTTP error, checksum mismatch, disk error): the
/// result carries the reason, and the log carries one line saying what to download and where to put it, so the
/// host stays alive and reports not-ready instead of crash-looping.
/// </summary>
public sealed class ModelProvisioner(
    HttpClient httpClient,
    IOptions<ModelProvisioningOptions> options,
    ILogger<ModelProvisioner> logger,
    TimeProvider timeProvider)
{
    // Stream.CopyTo's default buffer: large enough for few syscalls, small enough to stay off the large object heap (85,000 bytes).
    private const int CopyBufferSize = 81_920;

    // Temp files end with this so a later run can recognise and delete leftovers of a killed process.
    private const string TempSuffix = ".provisioning-tmp";

    private readonly ModelProvisioningOptions _options = options.Value;

    /// <summary>
    /// Ensures every required file exists. Relative paths resolve against <see cref="ModelProvisioningOptions.Directory"/>.
    /// Missing files are taken from the pack by file name (its <see cref="ModelProvisioningOptions.PackFiles"/>).
    /// </summary>
    /// <remarks>
    /// Files already present are reused without hashing them: this class only ever puts a file in place by an
    /// atomic rename after verifying it, so a present file is either one it verified or one an operator put there
    /// on purpose (possibly their own model under the same name, which a hash check would wrongly reject).
    /// Re-hashing ~190 MB on every start would also slow every restart for no gain; a damaged file still fails
    /// loudly when ONNX Runtime parses it.
    /// Beyond argument checks it throws only <see cref="OperationCanceledException"/>, when <paramref name="cancellationToken"/> is cancelled.
    /// </remarks>
    public async Task<ProvisioningResult> EnsureModelsAsync(
        IReadOnlyCollection<string> requiredFilePaths, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requiredFilePaths);

        var directory = Path.GetFullPath(_options.Directory);
        var required = requiredFilePaths.Select(path => Path.GetFullPath(path, directory)).ToArray();
        var missing = MissingFiles(required);
        if (missing.Length == 0)
        {
            return Reuse(required);
        }

        var notInPack = missing.Where(path => !_options.PackFiles.ContainsKey(Path.GetFileName(path))).ToArray();
        if (notInPack.Length > 0)
        {
            return Fail(
                required,
                $"{string.Join(" and ", notInPack)} {(notInPack.Length == 1 ? "is" : "are")} missing and not in the model pack "
                + $"(it holds {string.Join(", ", _options.PackFiles.Keys)})",
                $"Model files missing: put {DescribePlacement(notInPack)}, or set FaceApi__Recognition__ModelPath / "
                + "FaceApi__Detection__ModelPath to files that exist",
                exception: null,
                isTransient: false);
        }

        if (!_options.AutoDownload)
        {
            ProvisioningLog.DownloadDisabled(logger);
            var remedy = DownloadRemedy(missing);
            ProvisioningLog.Remedy(logger, remedy);
            return new ProvisioningResult(
                ProvisioningStatus.DownloadDisabled,
                required,
                $"Model files missing ({string.Join(", ", missing)}) and automatic download is off",
                remedy);
        }

        try
        {
            return await DownloadMissingAsync(directory, required, cancellationToken);
        }
        // Deliberately broad: whatever goes wrong here (including a bug) must leave the host running and
        // not-ready with a reason, rather than crash it. Cancellation by the caller still propagates.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A ModelPackException is an expected failure whose message says it all; anything else gets its stack trace.
            // An unexpected one (a full disk, a lock another process holds, a bug) counts as transient: the first
            // two clear without a restart, and retrying a bug costs one log line per backoff period.
            return ex is ModelPackException expected
                ? Fail(required, ex.Message, DownloadRemedy(MissingFiles(required)), exception: null, expected.IsTransient)
                : Fail(required, $"Provisioning model files failed: {ex.Message}", DownloadRemedy(MissingFiles(required)), ex, isTransient: true);
        }
    }

    private async Task<ProvisioningResult> DownloadMissingAsync(
        string directory, string[] required, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        using var gate = await ProvisioningLock.AcquireAsync(
            directory, timeProvider, () => ProvisioningLog.WaitingForOtherProcess(logger, directory), cancellationToken);

        // Another replica may have provisioned the files while this one waited for the lock.
        var missing = MissingFiles(required);
        if (missing.Length == 0)
        {
            return Reuse(required);
        }

        var targetDirectories = missing.Select(path => Path.GetDirectoryName(path)!).Append(directory).Distinct().ToArray();
        foreach (var targetDirectory in targetDirectories)
        {
            Directory.CreateDirectory(targetDirectory);
            // Holding the lock means no other writer is active, so any temp file here was left by a killed process.
            DeleteLeftoverTempFiles(targetDirectory);
        }

        var started = timeProvider.GetTimestamp();
        var packPath = TempPathFor(directory, "model-pack.zip");
        var extracted = new List<(string TempPath, string TargetPath)>();
        try
        {
            var packBytes = await DownloadPackAsync(packPath, directory, cancellationToken);

            await using (var pack = await ZipFile.OpenReadAsync(packPath, cancellationToken))
            {
                foreach (var target in missing)
                {
                    var tempPath = TempPathFor(Path.GetDirectoryName(target)!, Path.GetFileName(target));
                    extracted.Add((tempPath, target));
                    await ExtractVerifiedAsync(pack, Path.GetFileName(target), tempPath, cancellationToken);
                }
            }

            // Only once every file is verified does any of them replace what is there; each rename is atomic,
            // so a crash at any point leaves either no file or a complete, verified one at each target path.
            foreach (var (tempPath, targetPath) in extracted)
            {
                File.Move(tempPath, targetPath, overwrite: true);
            }

            ProvisioningLog.ModelFilesInstalled(
                logger, packBytes / DownloadProgressReporter.BytesPerMegabyte, timeProvider.GetElapsedTime(started), string.Join(", ", missing));
            return new ProvisioningResult(ProvisioningStatus.Downloaded, required);
        }
        finally
        {
            DeleteIfPresent(packPath);
            foreach (var (tempPath, _) in extracted)
            {
                DeleteIfPresent(tempPath);
            }
        }
    }

    /// <summary>Streams the pack to <paramref name="packPath"/> while hashing it; returns its size in bytes.</summary>
    private async Task<long> DownloadPackAsync(string packPath, string directory, CancellationToken cancellationToken)
    {
        var url = _options.PackUrl;
        string actualSha256;
        long received;
        try
        {
            using var response = await httpClient.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new ModelPackException(
                    $"Downloading {url} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}",
                    IsTransientStatus(response.StatusCode));
            }

            var total = response.Content.Headers.ContentLength;
            ProvisioningLog.DownloadStarting(
                logger, url, total is { } size ? $"{size / DownloadProgressReporter.BytesPerMegabyte:F1} MB" : "size unknown", directory);

            var progress = new DownloadProgressReporter(logger, timeProvider, total);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await using var file = CreateTempFile(packPath, total ?? 0);
            (actualSha256, received) = await CopyAndHashAsync(body, file, progress.Report, cancellationToken);

            // A server that closes early usually makes the read throw; this catches one that ends cleanly but short.
            if (total is { } expected && received != expected)
            {
                throw new ModelPackException(
                    $"Downloading {url} failed: received {received} of {expected} bytes (connection closed early)",
                    isTransient: true);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TimeoutException
                                   || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Network errors, stalls and timeouts: the next attempt may well get through.
            throw new ModelPackException($"Downloading {url} failed: {ex.Message}", isTransient: true, ex);
        }

        // Permanent: a body of the announced length that arrived without a transport error (TLS checks every
        // record) and still hashes wrong is what the address serves, or PackSha256 is wrong. Retrying would
        // download the same bytes every few minutes; it needs an operator.
        if (!string.Equals(actualSha256, _options.PackSha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelPackException(
                $"Checksum mismatch for {url}: expected SHA-256 {_options.PackSha256.ToLowerInvariant()}, got {actualSha256} "
                + "(corrupted download, or the file at that address changed)",
                isTransient: false);
        }

        return received;
    }

    private async Task ExtractVerifiedAsync(
        ZipArchive pack, string fileName, string tempPath, CancellationToken cancellationToken)
    {
        // Matched by file name because packs differ in layout: buffalo_l.zip holds its models at the root,
        // repackaged copies under a buffalo_l/ folder. The hash check below guards against a wrong match.
        var entry = pack.Entries.FirstOrDefault(candidate => candidate.Name == fileName)
            ?? throw new ModelPackException($"The model pack {_options.PackUrl} holds no file named {fileName}", isTransient: false);

        string actualSha256;
        await using (var source = await entry.OpenAsync(cancellationToken))
        await using (var file = CreateTempFile(tempPath, entry.Length))
        {
            (actualSha256, _) = await CopyAndHashAsync(source, file, static _ => { }, cancellationToken);
            // Force the bytes to disk before the rename publishes the file, or a power cut could leave a
            // complete-looking name over empty blocks (ext4 delayed allocation).
            file.Flush(flushToDisk: true);
        }

        var expectedSha256 = _options.PackFiles[fileName];
        if (!string.Equals(actualSha256, expectedSha256, StringComparison.OrdinalIgnoreCase))
        {
            // Permanent: the pack itself matched its checksum, so this entry will not change on a retry.
            throw new ModelPackException(
                $"Checksum mismatch for {fileName} in {_options.PackUrl}: expected SHA-256 {expectedSha256.ToLowerInvariant()}, got {actualSha256}",
                isTransient: false);
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/>, aborting when no byte arrives for the stall timeout.</summary>
    private async Task<(string Sha256, long Bytes)> CopyAndHashAsync(
        Stream source, Stream destination, Action<long> onProgress, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stall = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        using var readCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stall.Token);
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long total = 0;
            while (true)
            {
                stall.CancelAfter(_options.StallTimeout);
                int read;
                try
                {
                    read = await source.ReadAsync(buffer.AsMemory(0, CopyBufferSize), readCancellation.Token);
                }
                catch (OperationCanceledException) when (stall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException($"no data received for {_options.StallTimeout}");
                }

                if (read == 0)
                {
                    break;
                }

                hash.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                total += read;
                onProgress(total);
            }

            return (Convert.ToHexStringLower(hash.GetHashAndReset()), total);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ProvisioningResult Reuse(string[] required)
    {
        ProvisioningLog.ReusingModelFiles(logger, string.Join(", ", required));
        return new ProvisioningResult(ProvisioningStatus.Reused, required);
    }

    private ProvisioningResult Fail(string[] required, string reason, string remedy, Exception? exception, bool isTransient)
    {
        ProvisioningLog.ProvisioningFailed(logger, reason, exception);
        ProvisioningLog.Remedy(logger, remedy);
        return new ProvisioningResult(ProvisioningStatus.Failed, required, reason, remedy, isTransient);
    }

    /// <summary>
    /// Server errors, 408 Request Timeout and 429 Too Many Requests may pass (RFC 9110 §15.6, §15.5.9; RFC 6585 §4);
    /// any other refusal (404, 403, 410...) answers the same until an operator fixes the address or access.
    /// </summary>
    private static bool IsTransientStatus(System.Net.HttpStatusCode status) =>
        (int)status >= 500 || status is System.Net.HttpStatusCode.RequestTimeout or System.Net.HttpStatusCode.TooManyRequests;

    private string DownloadRemedy(IReadOnlyCollection<string> missing) =>
        $"Model files missing: download {_options.PackUrl} and put {DescribePlacement(missing)} "
        + "(or mount your own files and set FaceApi__Recognition__ModelPath / FaceApi__Detection__ModelPath)";

    /// <summary>"a.onnx and b.onnx in /models", grouping files by folder so each folder is named once.</summary>
    private static string DescribePlacement(IEnumerable<string> paths) =>
        string.Join(
            " and ",
            paths.GroupBy(path => Path.GetDirectoryName(path)!)
                .Select(folder => $"{string.Join(" and ", folder.Select(Path.GetFileName))} in {folder.Key}"));

    private static string[] MissingFiles(IEnumerable<string> paths) => paths.Where(path => !File.Exists(path)).ToArray();

    // A unique name per call, so two processes (or two calls) never write to the same temp file.
    private static string TempPathFor(string folder, string fileName) =>
        Path.Combine(folder, $".{fileName}.{Guid.NewGuid():N}{TempSuffix}");

    // Preallocating makes a full disk fail at the start instead of after minutes of downloading.
    private static FileStream CreateTempFile(string path, long expectedLength) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            Options = FileOptions.Asynchronous,
            PreallocationSize = expectedLength,
        });

    private static void DeleteLeftoverTempFiles(string folder)
    {
        foreach (var leftover in Directory.EnumerateFiles(folder, $".*{TempSuffix}"))
        {
            DeleteIfPresent(leftover);
        }
    }

    private static void DeleteIfPresent(string path)
    {
        // File.Delete is a no-op for a missing file; a failure to delete a temp file must not mask the real outcome.
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
