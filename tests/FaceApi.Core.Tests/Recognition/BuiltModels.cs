using FaceApi.Core.Inference;
using FaceApi.Core.Recognition;
using FaceApi.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceApi.Core.Tests.Recognition;

/// <summary>
/// Recognition models a test builds (IResNet with its own spec, e.g. <see cref="IResNetSpec.Tiny"/>) into a
/// temporary folder of its own, deleted with it.
/// </summary>
public sealed class BuiltModels : IDisposable
{
    /// <summary>The folder the models are written to.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("faceapi-built-").FullName;

    /// <summary>Builds <paramref name="spec"/> into a new file and loads it as the service does.</summary>
    public ArcFaceEmbedder LoadEmbedder(IResNetSpec spec, InferenceOptions? inference = null)
    {
        var path = Path.Combine(Folder, $"{Guid.NewGuid():N}.onnx");
        IResNetModelBuilder.Build(spec).Save(path);
        return new ArcFaceEmbedder(InferenceSessionPool.Load(path, inference ?? new InferenceOptions(), NullLogger.Instance), new RecognitionOptions());
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
