using FaceApi.Testing;

namespace FaceApi.Tests.Hosting;

/// <summary>The service passes <c>FaceApi:Inference:ComputeNiceness</c> to every thread that decodes or runs a model.</summary>
public sealed class ComputeNicenessTests
{
    // Linux keeps 15 bytes of a thread's name: "faceapi-compute-0" and "faceapi-inference-0" as below.
    private static readonly string[] LoweredThreads = ["faceapi-compute", "faceapi-inferen", "faceapi-onnxrt"];

    [Fact]
    public async Task The_configured_niceness_reaches_the_compute_inference_and_onnx_runtime_threads()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Nice values are Linux's.");
        var before = LoweredThreads.ToDictionary(name => name, name => ThreadNiceness.OfThreadsNamed(name).Keys.ToHashSet());
        await using var service = new FaceApiFactory();
        // A niceness no other host in this test process runs with (the default is 5) tells this host's threads apart.
        service.Settings["FaceApi:Inference:ComputeNiceness"] = "2";

        await service.InitializeAsync();

        var lowered = ThreadNiceness.Lowered(2);
        Assert.All(LoweredThreads, name => Assert.Contains(
            ThreadNiceness.OfThreadsNamed(name),
            thread => !before[name].Contains(thread.Key) && thread.Value == lowered));
    }
}
