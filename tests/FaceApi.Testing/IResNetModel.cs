using Google.Protobuf;
using Onnx;

namespace FaceApi.Testing;

/// <summary>A built IResNet model with its cost, counted the way make_iresnet50.py counts it.</summary>
/// <param name="Proto">The ONNX model.</param>
/// <param name="ParameterCount">Number of weight values (all initializer elements).</param>
/// <param name="FlopsPerFace">Floating-point operations for one face: 2 per multiply-add of the convolutions and the fully connected layer.</param>
public sealed record IResNetModel(ModelProto Proto, long ParameterCount, long FlopsPerFace)
{
    /// <summary>The serialized model, as ONNX Runtime's InferenceSession accepts it.</summary>
    public byte[] ToByteArray() => Proto.ToByteArray();

    public void Save(string path)
    {
        using var file = File.Create(path);
        Proto.WriteTo(file);
    }
}
