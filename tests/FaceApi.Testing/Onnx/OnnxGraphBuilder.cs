using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace FaceApi.Testing.Onnx;

/// <summary>
/// Accumulates the nodes, weights, inputs and outputs of one ONNX graph, naming every new tensor
/// <c>{prefix}_{counter}</c> as make_iresnet50.py does, so models built here read like its output.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    // Opset 11 and IR version 6, as ../shared/tools/make_iresnet50.py writes its stand-in for w600k_r50.onnx.
    private const long Opset = 11;
    private const long IrVersion = 6;

    private readonly GraphProto _graph;
    private int _nameCounter;

    public OnnxGraphBuilder(string graphName) => _graph = new GraphProto { Name = graphName };

    public long ParameterCount { get; private set; }

    public void AddInput(string name, params TensorDimension[] shape) => _graph.Input.Add(FloatTensorInfo(name, shape));

    public void AddOutput(string name, params TensorDimension[] shape) => _graph.Output.Add(FloatTensorInfo(name, shape));

    public string AddWeight(string prefix, float[] values, params long[] dims)
    {
        var name = NewName(prefix);
        var tensor = new TensorProto
        {
            Name = name,
            DataType = (int)TensorProto.Types.DataType.Float,
            // ONNX raw_data is little-endian, as are the x64 and Arm64 machines these tests run on.
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
        };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        ParameterCount += values.Length;
        return name;
    }

    /// <summary>
    /// A fresh tensor name. make_iresnet50.py names a node's output before its weights, so a builder
    /// that wants the same names takes the output name first, then adds the weights and the node.
    /// </summary>
    public string NewName(string prefix) => $"{prefix}_{++_nameCounter}";

    /// <summary>Adds a node whose single output gets a fresh name, and returns that name.</summary>
    public string AddNode(string opType, string outputPrefix, string[] inputs, params AttributeProto[] attributes) =>
        AddNamedNode(opType, NewName(outputPrefix), inputs, attributes);

    /// <summary>Adds a node whose single output has a name chosen by the caller.</summary>
    public string AddNamedNode(string opType, string output, string[] inputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>Wraps the graph in a model with make_iresnet50.py's opset and IR version.</summary>
    public ModelProto ToModel(string producerName)
    {
        var model = new ModelProto { IrVersion = IrVersion, ProducerName = producerName, Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model;
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static ValueInfoProto FloatTensorInfo(string name, TensorDimension[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var dimension in shape)
        {
            tensorShape.Dim.Add(dimension.Symbol is { } symbol
                ? new TensorShapeProto.Types.Dimension { DimParam = symbol }
                : new TensorShapeProto.Types.Dimension { DimValue = dimension.Size });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto
            {
                TensorType = new TypeProto.Types.Tensor
                {
                    ElemType = (int)TensorProto.Types.DataType.Float,
                    Shape = tensorShape,
                },
            },
        };
    }
}
