using FaceApi.Tests.Hardening;

namespace FaceApi.Tests.Configuration;

/// <summary>
/// A bad setting in any section stops start-up with a message naming it (ValidateOnStart), instead
/// of a service that starts and misbehaves. One case per section and rule.
/// </summary>
public sealed class StartupValidationTests
{
    public static TheoryData<string, string, string> BadSettings() => new()
    {
        // Setting, bad value, what the error must name.
        { "FaceApi:Detection:InputSize", "16", "InputSize" },
        { "FaceApi:Detection:ScoreThreshold", "1.5", "ScoreThreshold" },
        { "FaceApi:Detection:NmsThreshold", "-0.1", "NmsThreshold" },
        { "FaceApi:Recognition:Std", "0", "Std" },
        { "FaceApi:Recognition:Mean", "300", "Mean" },
        { "FaceApi:Recognition:Name", "", "Name" },
        { "FaceApi:Verification:Threshold", "1.2", "Threshold" },
        { "FaceApi:Inference:PoolSize", "0", "PoolSize" },
        { "FaceApi:Inference:CpuIntraOpThreads", "-1", "CpuIntraOpThreads" },
        { "FaceApi:Inference:ComputeThreads", "-1", "ComputeThreads" },
        { "FaceApi:Inference:ComputeNiceness", "20", "ComputeNiceness" },
        { "FaceApi:Inference:Cuda:DeviceId", "99", "DeviceId" },
        { "FaceApi:Inference:Cuda:CudnnConvAlgoSearch", "FASTEST", "CudnnConvAlgoSearch" },
        { "FaceApi:Inference:Cuda:ArenaExtendStrategy", "kDouble", "ArenaExtendStrategy" },
        { "FaceApi:Batching:MaxBatchSize", "0", "MaxBatchSize" },
        { "FaceApi:Batching:QueueCapacity", "0", "QueueCapacity" },
        { "FaceApi:Batching:MaxQueueDelay", "00:00:05", "MaxQueueDelay" },
        { "FaceApi:Batching:MaxConcurrentBatches", "0", "MaxConcurrentBatches" },
        { "FaceApi:Batching:RequestTimeout", "00:00:00", "RequestTimeout" },
        { "FaceApi:Shutdown:ReadinessDrainDelay", "00:10:00", "ReadinessDrainDelay" },
        { "FaceApi:Admission:MaxConcurrentRequests", "0", "MaxConcurrentRequests" },
        { "FaceApi:Uploads:MaxBufferedBytes", "0", "MaxBufferedBytes" },
        // 1 MiB cannot hold a JSON /verify of two images at the default 20 MiB per image (55 MB).
        { "FaceApi:Uploads:MaxBufferedBytes", "1048576", "MaxBufferedBytes" },
        // A 256 MiB heap limit (a 341 MiB container) cannot hold the default 256 MiB of bodies beside the rest.
        { "DOTNET_GCHeapHardLimit", "0x10000000", "MaxBufferedBytes" },
        { "FaceApi:RateLimiting:PermitLimit", "0", "PermitLimit" },
        { "FaceApi:RateLimiting:Window", "00:00:00", "Window" },
        { "FaceApi:RateLimiting:QueueLimit", "-1", "QueueLimit" },
        { "FaceApi:Metrics:Port", "70000", "FaceApi:Metrics:Port" },
        { "FaceApi:Metrics:Port", "0", "FaceApi:Metrics:Port" },
        { "FaceApi:Auth:OpenPaths:0", "health/live", "OpenPaths" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task A_bad_setting_stops_start_up_with_a_message_naming_it(string setting, string value, string named)
    {
        await using var service = await MisconfiguredService.RunUntilExitAsync(setting, value);

        Assert.NotEqual(0, service.Child.ExitCode);
        Assert.True(service.Child.OutputLines.Any(line => line.Contains(named, StringComparison.Ordinal)), $"{setting}={value}: no line names {named}.{Environment.NewLine}{service.Child.OutputTail}");
    }

    [Fact]
    public async Task The_test_settings_themselves_start()
    {
        // The cases above differ from these in one setting each, so each failure is that setting's.
        await using var factory = new DefaultService();

        Assert.NotNull(factory.Services);
    }
}
