using System.Text.Json;
using System.Text.RegularExpressions;
using FaceApi.Health;

namespace FaceApi.Tests.Hosting;

/// <summary>
/// /health/ready is open to anyone, so its reasons are short lines without paths: an absolute path tells
/// an attacker where the binaries live and which build made them (issue 13, item 9).
/// </summary>
public sealed partial class ReadinessReasonTests(FaceApiFactory service)
{
    // What ONNX Runtime 1.31 reports on a machine without CUDA 13 (InferenceSessionPool logs it in full).
    private const string OnnxRuntimeCudaError =
        "[ErrorCode:RuntimeException] /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1862 " +
        "onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library " +
        "/app/bin/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory";

    [Fact]
    public void A_missing_cuda_library_is_named_without_any_path()
    {
        Assert.Equal("CUDA libraries not found: libcublasLt.so.13", PublicReason.ForCudaFallback(OnnxRuntimeCudaError));
    }

    [Theory]
    [InlineData("Model file not found: /srv/faceapi/models/w600k_r50.onnx", "Model file not found: w600k_r50.onnx")]
    [InlineData("Model files missing (/models/a/w600k_r50.onnx, /models/a/det_10g.onnx)", "Model files missing (w600k_r50.onnx, det_10g.onnx)")]
    [InlineData(@"Cannot read C:\faceapi\models\det_10g.onnx", "Cannot read det_10g.onnx")]
    [InlineData("download https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_l.zip first", "download https://github.com/deepinsight/insightface/releases/download/v0.7/buffalo_l.zip first")]
    [InlineData("first line\n   at Some.Stack.Frame() in /src/File.cs:line 1", "first line")]
    public void Other_reasons_keep_file_names_and_urls_but_lose_folders_and_stack_traces(string message, string shown)
    {
        Assert.Equal(shown, PublicReason.Shorten(message));
    }

    [Fact]
    public async Task The_live_readiness_answer_holds_no_absolute_path()
    {
        using var response = await service.Client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        // This machine has no GPU, so the default provider chain falls back to CPU with ONNX Runtime's real error.
        var reasons = JsonDocument.Parse(body).RootElement.EnumerateObject()
            .Where(member => member.Value.ValueKind == JsonValueKind.Object)
            .Select(model => model.Value.GetProperty("cudaFallbackReason").GetString())
            .OfType<string>()
            .ToArray();
        Assert.DoesNotMatch(AbsolutePath(), body);
        Assert.All(reasons, reason => Assert.True(reason.Length < 200, reason));
    }

    [GeneratedRegex(@"(?<![\w.:/])/[\w.-]+/[\w.-]+")]
    private static partial Regex AbsolutePath();
}
