using FaceApi.Tests.Hosting;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// The test models on the CPU whatever the machine has (a GPU would change timings, memory and the
/// provider label of the metrics), plus per-test settings on top.
/// </summary>
public class HardenedServiceFactory(IReadOnlyDictionary<string, string?> settings) : FaceApiFactory(OnCpu(settings))
{
    private static Dictionary<string, string?> OnCpu(IReadOnlyDictionary<string, string?> settings)
    {
        var onCpu = new Dictionary<string, string?> { ["FaceApi:Inference:Providers:0"] = "Cpu" };
        foreach (var (key, value) in settings)
        {
            onCpu[key] = value;
        }

        return onCpu;
    }
}

/// <summary>The service with the test models on the CPU and default settings.</summary>
public sealed class DefaultService() : HardenedServiceFactory(new Dictionary<string, string?>());
