using Google.Protobuf;
using SharpServing.ModelFixtures.Onnx;

namespace SharpServing.ModelFixtures;

/// <summary>
/// Builds a one-graph ONNX model: declared inputs and outputs, nodes in topological order, initializers.
/// </summary>
/// <example><code>
/// var bytes = new OnnxModelBuilder("add")
///     .Input("x1", DataType.Float32, "batch", 2).Input("x2", DataType.Float32, "batch", 2)
///     .Node("Add", ["x1", "x2"], ["y"])
///     .Output("y", DataType.Float32, "batch", 2)
///     .ToBytes();
/// </code></example>
public sealed class OnnxModelBuilder
{
    /// <summary>ONNX IR version of the models written (ONNX 1.10+, read by every ORT since 1.10).</summary>
    public const long IrVersion = 8;

    /// <summary>Default ai.onnx opset.</summary>
    public const long DefaultOpset = 13;

    private readonly GraphProto _graph;
    private readonly long _opset;

    public OnnxModelBuilder(string graphName = "fixture", long opset = DefaultOpset)
    {
        ArgumentException.ThrowIfNullOrEmpty(graphName);
        ArgumentOutOfRangeException.ThrowIfLessThan(opset, 1);
        _graph = new GraphProto { Name = graphName };
        _opset = opset;
    }

    /// <summary>Declares a graph input.</summary>
    public OnnxModelBuilder Input(string name, DataType type, params Dimension[] shape)
    {
        _graph.Input.Add(ValueInfo(name, type, shape));
        return this;
    }

    /// <summary>Declares a graph output.</summary>
    public OnnxModelBuilder Output(string name, DataType type, params Dimension[] shape)
    {
        _graph.Output.Add(ValueInfo(name, type, shape));
        return this;
    }

    /// <summary>Declares a graph output whose shape is left to ORT's inference (no shape in the model).</summary>
    public OnnxModelBuilder OutputWithoutShape(string name, DataType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _graph.Output.Add(new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)OnnxTensors.ElementType(type) } },
        });
        return this;
    }

    /// <summary>Adds a node of the default (ai.onnx) domain.</summary>
    public OnnxModelBuilder Node(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, params AttributeProto[] attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_graph.Node.Count}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return this;
    }

    /// <summary>Adds a constant the nodes can read by <paramref name="name"/>.</summary>
    public OnnxModelBuilder Initializer(string name, Tensor value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _graph.Initializer.Add(OnnxTensors.FromTensor(value, name));
        return this;
    }

    /// <summary>The model message (a fresh copy each call).</summary>
    public ModelProto Build()
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "SharpServing.ModelFixtures",
            ProducerVersion = "1",
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = _opset });
        return model;
    }

    /// <summary>The serialized model (an .onnx file's bytes).</summary>
    public byte[] ToBytes() => Build().ToByteArray();

    /// <summary>An int attribute.</summary>
    public static AttributeProto Attribute(string name, long value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A float attribute.</summary>
    public static AttributeProto Attribute(string name, float value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A string attribute.</summary>
    public static AttributeProto Attribute(string name, string value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    /// <summary>An ints attribute.</summary>
    public static AttributeProto Attribute(string name, IEnumerable<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A tensor attribute (e.g. the value of a Constant node).</summary>
    public static AttributeProto Attribute(string name, Tensor value)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxTensors.FromTensor(value) };

    /// <summary>A graph attribute (the body of Loop, If, Scan).</summary>
    public static AttributeProto Attribute(string name, GraphProto graph)
        => new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = graph };

    private static ValueInfoProto ValueInfo(string name, DataType type, Dimension[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        var tensorShape = new TensorShapeProto();
        foreach (var dim in shape)
        {
            var d = new TensorShapeProto.Types.Dimension();
            if (dim.Value is { } value)
            {
                d.DimValue = value;
            }
            else if (dim.Param is { } param)
            {
                d.DimParam = param;
            }
            tensorShape.Dim.Add(d);
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)OnnxTensors.ElementType(type), Shape = tensorShape } },
        };
    }
}
