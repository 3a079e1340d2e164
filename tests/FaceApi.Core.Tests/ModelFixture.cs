using FaceApi.Core.Detection;
using FaceApi.Core.Inference;
using FaceApi.Core.Recognition;
using FaceApi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceApi.Core.Tests;

/// <summary>
/// The real test models of ../shared/testdata, loaded once per test class: SCRFD-2.5G and
/// MobileFaceNet (BGR, (x − 127.5) / 128, static batch 1, 128-d; see SOURCES.md there).
/// </summary>
public sealed class ModelFixture : IDisposable
{
    public static readonly RecognitionOptions MobileFaceNet = new()
    {
        ModelPath = "mobilefacenet.onnx",
        Name = "mobilefacenet",
        ChannelOrder = ChannelOrder.Bgr,
        Mean = 127.5f,
        Std = 128f,
    };

    public ModelFixture()
    {
        if (TestData.MissingDataError() is { } missing)
        {
            throw missing;
        }

        var options = new InferenceOptions();
        Detector = new ScrfdDetector(
            InferenceSessionPool.Load(TestData.Path("models/scrfd_2.5g_bnkps.onnx"), options, NullLogger.Instance),
            new DetectionOptions());
        Embedder = new ArcFaceEmbedder(
            InferenceSessionPool.Load(TestData.Path("models/mobilefacenet.onnx"), options, NullLogger.Instance),
            MobileFaceNet);
    }

    public ScrfdDetector? Detector { get; }

    public ArcFaceEmbedder? Embedder { get; }

    public void Dispose()
    {
        Detector?.Dispose();
        Embedder?.Dispose();
    }
}
