namespace FaceApi.Testing.Onnx;

/// <summary>One dimension of a graph input or output: a fixed size, or a named symbol that ONNX Runtime reports as -1.</summary>
internal readonly record struct TensorDimension(long Size, string? Symbol)
{
    public static TensorDimension Fixed(long size) => new(size, null);

    public static TensorDimension Symbolic(string symbol) => new(0, symbol);

    public static implicit operator TensorDimension(long size) => Fixed(size);
}
