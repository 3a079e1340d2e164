using System.Net;
using System.Text.Json;

namespace FaceApi.Tests.Hosting;

/// <summary>A ready service names its models and where each one actually runs.</summary>
public sealed class ReadinessTests(FaceApiFactory service)
{
    [Fact]
    public async Task Readiness_names_each_model_and_its_provider_and_says_why_cuda_is_not_used()
    {
        using var response = await service.Client.GetAsync("/health/ready", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var readiness = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("ready", readiness.GetProperty("status").GetString());
        foreach (var (role, file) in new[] { ("recognition", "mobilefacenet.onnx"), ("detection", "scrfd_2.5g_bnkps.onnx") })
        {
            var model = readiness.GetProperty(role);
            Assert.Equal(file, model.GetProperty("file").GetString());
            var provider = model.GetProperty("provider").GetString();
            var fallbackReason = model.GetProperty("cudaFallbackReason");
            // The default chain asks for CUDA: either it runs, or readiness says why not.
            if (provider == "Cuda")
            {
                Assert.Equal(JsonValueKind.Null, fallbackReason.ValueKind);
            }
            else
            {
                Assert.Equal("Cpu", provider);
                Assert.False(string.IsNullOrWhiteSpace(fallbackReason.GetString()), $"{role}: CPU with no reason given");
            }
        }
    }
}
