using FaceApi.Testing;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// A recogniser slow enough that a burst outruns it: IResNet-50's stem and widths with one block per
/// stage (about 60 ms per face on two cores, against MobileFaceNet's few), built once per test run.
/// </summary>
internal static class LoadTestModel
{
    private static readonly Lazy<string> File = new(Build);

    /// <summary>Settings that make the service use it, with batches of one so queue capacity is counted in requests.</summary>
    public static Dictionary<string, string?> Settings(int queueCapacity) => new()
    {
        ["FaceApi:Recognition:ModelPath"] = File.Value,
        ["FaceApi:Recognition:Name"] = "iresnet-short",
        ["FaceApi:Recognition:ChannelOrder"] = "RGB",
        ["FaceApi:Recognition:Std"] = "127.5",
        // One intra-op thread: the other core stays with the web server, so refusals are not queued behind the model for CPU.
        ["FaceApi:Inference:CpuIntraOpThreads"] = "1",
        ["FaceApi:Batching:MaxBatchSize"] = "1",
        ["FaceApi:Batching:MaxConcurrentBatches"] = "1",
        ["FaceApi:Batching:QueueCapacity"] = queueCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string Build()
    {
        var path = Path.Combine(Path.GetTempPath(), $"faceapi-tests-iresnet-short-{Environment.ProcessId}.onnx");
        IResNetModelBuilder.Build(IResNetSpec.IResNet50 with { Layers = [1, 1, 1, 1] }).Save(path);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.File.Delete(path);
        return path;
    }
}
