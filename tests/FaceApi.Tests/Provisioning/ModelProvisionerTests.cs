using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using FaceApi.Provisioning;
using FaceApi.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FaceApi.Tests.Provisioning;

public sealed class ModelProvisionerTests : IDisposable
{
    private static readonly string[] RequiredFiles = [TestModelPack.RecognitionFile, TestModelPack.DetectionFile];

    private readonly DirectoryInfo _modelsDirectory = Directory.CreateTempSubdirectory("faceapi-provisioning-");
    private readonly HttpClient _httpClient = new();
    private readonly RecordingLogger<ModelProvisioner> _logger = new();
    private readonly TestModelPack _pack = TestModelPack.Create();

    public void Dispose()
    {
        _httpClient.Dispose();
        _modelsDirectory.Delete(recursive: true);
    }

    [Theory]
    [InlineData("")]
    [InlineData("buffalo_l/")]
    public async Task Downloads_the_pack_and_installs_the_needed_files_whether_at_the_zip_root_or_in_a_folder(string folder)
    {
        var pack = TestModelPack.Create(folder);
        await using var server = await LoopbackPackServer.ServingAsync(pack.Zip);

        var result = await CreateProvisioner(OptionsFor(server.PackUrl, pack)).EnsureModelsAsync(RequiredFiles, Cancellation);

        Assert.Equal(ProvisioningStatus.Downloaded, result.Status);
        Assert.True(result.IsProvisioned);
        Assert.Null(result.Reason);
        Assert.Equal(RequiredFiles.Select(ModelPath), result.ModelFilePaths);
        Assert.Equal(pack.Files[TestModelPack.RecognitionFile], File.ReadAllBytes(ModelPath(TestModelPack.RecognitionFile)));
        Assert.Equal(pack.Files[TestModelPack.DetectionFile], File.ReadAllBytes(ModelPath(TestModelPack.DetectionFile)));
        Assert.Equal(RequiredFiles.Order(), FilesLeftBehind().Order());
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Reuses_files_already_on_disk_without_touching_the_network()
    {
        await using var server = await LoopbackPackServer.ServingAsync(_pack.Zip);
        var provisioner = CreateProvisioner(OptionsFor(server.PackUrl, _pack));
        await provisioner.EnsureModelsAsync(RequiredFiles, Cancellation);

        var second = await provisioner.EnsureModelsAsync(RequiredFiles, Cancellation);

        Assert.Equal(ProvisioningStatus.Reused, second.Status);
        Assert.True(second.IsProvisioned);
        Assert.Equal(1, server.RequestCount);
    }

    [Fact]
    public async Task Downloads_only_the_missing_file_and_keeps_the_one_present()
    {
        var ownRecognitionModel = "an operator's own model"u8.ToArray();
        File.WriteAllBytes(ModelPath(TestModelPack.RecognitionFile), ownRecognitionModel);
        await using var server = await LoopbackPackServer.ServingAsync(_pack.Zip);

        var result = await CreateProvisioner(OptionsFor(server.PackUrl, _pack)).EnsureModelsAsync(RequiredFiles, Cancellation);

        Assert.Equal(ProvisioningStatus.Downloaded, result.Status);
        Assert.Equal(ownRecognitionModel, File.ReadAllBytes(ModelPath(TestModelPack.RecognitionFile)));
        Assert.Equal(_pack.Files[TestModelPack.DetectionFile], File.ReadAllBytes(ModelPath(TestModelPack.DetectionFile)));
    }

    [Fact]
    public async Task A_pack_whose_checksum_does_not_match_is_rejected_and_leaves_nothing_behind()
    {
        var corrupted = _pack.Zip.ToArray();
        corrupted[corrupted.Length / 2] ^= 0xFF;
        await using var server = await LoopbackPackServer.ServingAsync(corrupted);

        var result = await CreateProvisioner(OptionsFor(server.PackUrl, _pack)).EnsureModelsAsync(RequiredFiles, Cancellation);

        Assert.Equal(ProvisioningStatus.Failed, result.Status);
        Assert.False(result.IsProvisioned);
        Assert.Contains("Checksum mismatch", result.Reason, StringComparison.Ordinal);
        Assert.Contains(server.PackUrl, result.Reason, StringComparison.Ordinal);
        Assert.False(result.IsTransient);
        Assert.Empty(FilesLeftBehind());
    }

    [Fact]
    public async Task A_file_whose_checksum_does_not_match_installs_neither_file()
    {
        await using var server = await LoopbackPackServer.ServingAsync(_pack.Zip);
        var options = OptionsFor(server.PackUrl, _pack);
        // The detector is extracted last, so the recognition model has already been verified when this fails.
        options.PackFiles[TestModelPack.DetectionFile] = new string('0', 64);

        var result = await CreateProvisioner(options).EnsureModelsAsync(RequiredFiles, Cancellation);

        Assert.Equal(ProvisioningStatus.Failed, result.Status);
        Assert.Contains($"Checksum mismatch for {TestModelPack.DetectionFile}", result.Reason, StringComparison.Ordinal);
        Assert.False(result.IsTransient);
        Assert.Empty(FilesLeftBehind());
    }

    [Fact]
    public async Task A_download_cut_short_is_rejected_and_leaves_nothing_behind()
    {
        await using var server = await LoopbackPackServer.StartAsync(async context =>
        {
            // Promise the whole pack, send half, then drop the connection.
            context.Response.ContentLength = _pack.Zip.Length;
            await context.Response.Body.WriteAsync(_pack.Zip.AsMemory(0, _pack.Zip.Length / 2));
            await context.Response.Body.FlushAsync();
            context.Abort();
        });

        var result = await CreateProvisioner(OptionsFor(server.PackUrl, _pack)).EnsureModelsAsync(RequiredFiles, Cancellation);

        Assert.Equal(ProvisioningStatus.Failed, result.Status);
        Assert.Contains($"Downloading {server.PackUrl} failed", result.Reason, StringComparison.Ordinal);
        Assert.True(result.IsTransient);
        Assert.Empty(FilesLeftBehind());
    }

    [Fact]
    public async Task A_download_that_stalls_is_abandoned_after_the_stall_timeout()
    {
        await using var server = await LoopbackPackServer.StartAsync(async context =>
        {
            // Send part of the pack, then go silent while keeping the connection open.
            context.Response.ContentLength = _pack.Zip.Length;
            await context.Response.Body.WriteAsync(_pack.Zip.AsMemory(0, _pack.Zip.Length / 2));
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
        });
        var options = OptionsFor(server.PackUrl, _pack);
        options.StallTimeout = TimeSpan.FromSeconds(1);

        var result = await CreateProvisioner(options).EnsureModelsAsync(RequiredFiles, Cancellation);

        Assert.Equal(ProvisioningStatus.Failed, result.Status);
        Assert.Equal($"Downloading {server.PackUrl} failed: no data received for 00:00:01", result.Reason);
        Assert.True(result.IsTransient);
        Assert.Empty(FilesLeftBehind());
    }

    [Fact]
    public async Task A_404_is_reported_with_the_url_and_logs_what_to_download_and_where_to_put_it()
    {
        await using var server = await LoopbackPackServer.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });

        var result = await CreateProvisioner(OptionsFor(server.PackUrl, _pack)).EnsureModelsAsync(RequiredFiles, Cancellation);

        Assert.Equal(ProvisioningStatus.Failed, result.Status);
        Assert.Equal($"Downloading {server.PackUrl} failed: HTTP 404 Not Found", result.Reason);
        Assert.False(result.IsTransient);
        var expectedRemedy =
            $"Model files missing: download {server.PackUrl} and put w600k_r50.onnx and det_10g.onnx in {_modelsDirectory.FullName} "
            + "(or mount your own files and set FaceApi__Recognition__ModelPath / FaceApi__Detection__ModelPath)";
        Assert.Equal(expectedRemedy, result.Remedy);
        Assert.Contains(expectedRemedy, _logger.Messages);
        Assert.Empty(FilesLeftBehind());
    }

    [Fact]
    public async Task A_refused_connection_is_reported_without_throwing()
    {
        // A port the OS reports free: nothing listens there, so the connection is refused.
        var closedPortUrl = $"http://127.0.0.1:{LoopbackPort.Free()}/buffalo_l.zip";

        var result = await CreateProvisioner(OptionsFor(closedPortUrl, _pack)).EnsureModelsAsync(RequiredFiles, Cancellation);

        Assert.Equal(ProvisioningStatus.Failed, result.Status);
        Assert.StartsWith($"Downloading {closedPortUrl} failed", result.Reason, StringComparison.Ordinal);
        Assert.True(result.IsTransient);
        Assert.Empty(FilesLeftBehind());
    }

    [Fact]
    public async Task With_auto_download_off_nothing_is_requested_and_the_log_says_what_to_download()
    {
        await using var server = await LoopbackPackServer.ServingAsync(_pack.Zip);
        var options = OptionsFor(server.PackUrl, _pack);
        options.AutoDownload = false;

        var result = await CreateProvisioner(options).EnsureModelsAsync(RequiredFiles, Cancellation);

        Assert.Equal(ProvisioningStatus.DownloadDisabled, result.Status);
        Assert.False(result.IsProvisioned);
        Assert.Contains("automatic download is off", result.Reason, StringComparison.Ordinal);
        Assert.Contains(_logger.Messages, message => message.StartsWith($"Model files missing: download {server.PackUrl} and put", StringComparison.Ordinal));
        Assert.Equal(0, server.RequestCount);
        Assert.Empty(FilesLeftBehind());
    }

    [Fact]
    public async Task A_missing_file_the_pack_cannot_supply_fails_without_downloading()
    {
        await using var server = await LoopbackPackServer.ServingAsync(_pack.Zip);
        var customModel = Path.Combine(_modelsDirectory.FullName, "custom", "my_arcface.onnx");

        var result = await CreateProvisioner(OptionsFor(server.PackUrl, _pack))
            .EnsureModelsAsync([customModel, TestModelPack.DetectionFile], Cancellation);

        Assert.Equal(ProvisioningStatus.Failed, result.Status);
        Assert.Contains(customModel, result.Reason, StringComparison.Ordinal);
        Assert.False(result.IsTransient);
        Assert.Equal(0, server.RequestCount);
    }

    [Fact]
    public async Task Concurrent_callers_sharing_a_folder_download_the_pack_once()
    {
        // The download is held until the other caller has found the folder locked: ordering, not timing.
        var otherCallerWaits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await LoopbackPackServer.StartAsync(async context =>
        {
            await otherCallerWaits.Task.WaitAsync(context.RequestAborted);
            context.Response.ContentLength = _pack.Zip.Length;
            await context.Response.Body.WriteAsync(_pack.Zip, context.RequestAborted);
        });
        var options = OptionsFor(server.PackUrl, _pack);

        var callers = Task.WhenAll(
            CreateProvisioner(options).EnsureModelsAsync(RequiredFiles, Cancellation),
            CreateProvisioner(options).EnsureModelsAsync(RequiredFiles, Cancellation));
        for (var waited = Stopwatch.StartNew(); !_logger.Messages.Any(IsWaitingForTheOtherProcess); await Task.Delay(20, Cancellation))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(1), "Neither caller found the folder locked within a minute.");
        }

        otherCallerWaits.SetResult();
        var results = await callers;

        Assert.Equal(
            [ProvisioningStatus.Reused, ProvisioningStatus.Downloaded],
            results.Select(result => result.Status).Order());
        Assert.Equal(1, server.RequestCount);
    }

    private static bool IsWaitingForTheOtherProcess(string message) =>
        message.StartsWith("Another process is provisioning models", StringComparison.Ordinal);

    [Fact]
    public async Task Temp_files_left_by_a_killed_process_are_removed_on_the_next_download()
    {
        var leftover = Path.Combine(_modelsDirectory.FullName, ".model-pack.zip.0123456789abcdef0123456789abcdef.provisioning-tmp");
        File.WriteAllBytes(leftover, new byte[1000]);
        await using var server = await LoopbackPackServer.ServingAsync(_pack.Zip);

        var result = await CreateProvisioner(OptionsFor(server.PackUrl, _pack)).EnsureModelsAsync(RequiredFiles, Cancellation);

        Assert.Equal(ProvisioningStatus.Downloaded, result.Status);
        Assert.False(File.Exists(leftover));
    }

    [Fact]
    public void Default_options_are_valid_and_a_malformed_file_hash_is_not()
    {
        var options = new ModelProvisioningOptions();
        Assert.True(IsValid(options));

        options.PackFiles[TestModelPack.DetectionFile] = "not-a-sha256";
        Assert.False(IsValid(options));
    }

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private ModelProvisioningOptions OptionsFor(string packUrl, TestModelPack pack) => new()
    {
        Directory = _modelsDirectory.FullName,
        PackUrl = packUrl,
        PackSha256 = pack.ZipSha256,
        PackFiles = pack.NeededFileHashes,
    };

    private ModelProvisioner CreateProvisioner(ModelProvisioningOptions options) =>
        new(_httpClient, Options.Create(options), _logger, TimeProvider.System);

    private string ModelPath(string fileName) => Path.Combine(_modelsDirectory.FullName, fileName);

    /// <summary>Every file in the models folder except the lock file, which is meant to stay.</summary>
    private string[] FilesLeftBehind() =>
        _modelsDirectory.EnumerateFiles("*", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(_modelsDirectory.FullName, file.FullName))
            .Where(name => name != ".provisioning.lock")
            .ToArray();

    private static bool IsValid(ModelProvisioningOptions options) =>
        Validator.TryValidateObject(options, new ValidationContext(options), [], validateAllProperties: true);
}
