using System.Text.Json;
using FaceApi.Core.Inference;
using FaceApi.Models;
using FaceApi.Testing;
using FaceApi.Tests.Hardening;
using Microsoft.Extensions.DependencyInjection;

namespace FaceApi.Tests.Hosting;

/// <summary>
/// Models that cannot serve leave nothing behind: a wrong model file ends as readiness "failed" with
/// the sessions already created freed, and a stop while the models load frees what was loaded.
/// Serial, because it counts the inference-session pools open in this process.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class ModelLifecycleTests
{
    [Fact]
    public async Task A_detector_given_as_the_recognition_model_fails_readiness_and_frees_every_session()
    {
        var openBefore = InferenceSessionPool.OpenPools;
        await using var factory = new FailingModelFactory(new Dictionary<string, string?>
        {
            // The SCRFD file loads in ONNX Runtime but breaks the recognition contract (dynamic canvas, 9 outputs).
            ["FaceApi:Recognition:ModelPath"] = "scrfd_2.5g_bnkps.onnx",
        });

        var client = await factory.CreateReadyClientAsync();

        var readiness = JsonDocument.Parse(factory.ReadinessAnswer).RootElement;
        Assert.Contains("recognition model", readiness.GetProperty("reason").GetString(), StringComparison.Ordinal);
        // The detector loaded first and its sessions, like the recogniser's, were released.
        Assert.Equal(openBefore, InferenceSessionPool.OpenPools);
        using var embed = await client.EmbedAsync(Requests.Json(new { image = Convert.ToBase64String(TestData.ReadFacePhoto("rose1.jpg")) }));
        await embed.IsProblemAsync(System.Net.HttpStatusCode.ServiceUnavailable, "not_ready");
    }

    [Fact]
    public async Task Stopping_while_the_models_load_frees_what_was_loaded()
    {
        TestData.RequireAvailable();
        var openBefore = InferenceSessionPool.OpenPools;
        // The slow load-test recogniser with every warm-up batch size up to 8: loading takes seconds,
        // starting the host milliseconds, so the stop below lands while the models load.
        var factory = new HardenedServiceFactory(new Dictionary<string, string?>(LoadTestModel.Settings(queueCapacity: 16))
        {
            ["FaceApi:Batching:MaxBatchSize"] = "8",
        });
        var engine = factory.Services.GetRequiredService<FaceEngine>();
        var stateAtStop = engine.State;

        await factory.DisposeAsync();

        Assert.Equal("loading", stateAtStop);
        Assert.Equal("stopping", engine.State);
        Assert.Equal(openBefore, InferenceSessionPool.OpenPools);
    }

    /// <summary>The test models on the CPU with one setting changed so that loading fails; readiness settles in "failed".</summary>
    private sealed class FailingModelFactory(IReadOnlyDictionary<string, string?> settings) : HardenedServiceFactory(settings)
    {
        protected override string ExpectedState => "failed";
    }
}
