using System.Runtime.InteropServices;
using Google.Protobuf;
using SharpServing.ModelFixtures.Onnx;

namespace SharpServing.ModelFixtures;

/// <summary>Converts between SharpServing tensors and ONNX <see cref="TensorProto"/>s (initializers, conformance .pb files).</summary>
public static class OnnxTensors
{
    /// <summary>The ONNX element type (<c>TensorProto.DataType</c>) of a SharpServing data type; bytes become ONNX strings.</summary>
    public static TensorProto.Types.DataType ElementType(DataType type) => type switch
    {
        DataType.Bool => TensorProto.Types.DataType.Bool,
        DataType.Int8 => TensorProto.Types.DataType.Int8,
        DataType.UInt8 => TensorProto.Types.DataType.Uint8,
        DataType.Int16 => TensorProto.Types.DataType.Int16,
        DataType.UInt16 => TensorProto.Types.DataType.Uint16,
        DataType.Int32 => TensorProto.Types.DataType.Int32,
        DataType.UInt32 => TensorProto.Types.DataType.Uint32,
        DataType.Int64 => TensorProto.Types.DataType.Int64,
        DataType.UInt64 => TensorProto.Types.DataType.Uint64,
        DataType.Float16 => TensorProto.Types.DataType.Float16,
        DataType.Float32 => TensorProto.Types.DataType.Float,
        DataType.Float64 => TensorProto.Types.DataType.Double,
        DataType.String or DataType.Bytes => TensorProto.Types.DataType.String,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No ONNX element type for this data type."),
    };

    /// <summary>The SharpServing data type of an ONNX element type, or <see cref="DataType.Unknown"/> (bfloat16, complex, ...).</summary>
    public static DataType DataTypeOf(int onnxElementType) => (TensorProto.Types.DataType)onnxElementType switch
    {
        TensorProto.Types.DataType.Bool => DataType.Bool,
        TensorProto.Types.DataType.Int8 => DataType.Int8,
        TensorProto.Types.DataType.Uint8 => DataType.UInt8,
        TensorProto.Types.DataType.Int16 => DataType.Int16,
        TensorProto.Types.DataType.Uint16 => DataType.UInt16,
        TensorProto.Types.DataType.Int32 => DataType.Int32,
        TensorProto.Types.DataType.Uint32 => DataType.UInt32,
        TensorProto.Types.DataType.Int64 => DataType.Int64,
        TensorProto.Types.DataType.Uint64 => DataType.UInt64,
        TensorProto.Types.DataType.Float16 => DataType.Float16,
        TensorProto.Types.DataType.Float => DataType.Float32,
        TensorProto.Types.DataType.Double => DataType.Float64,
        TensorProto.Types.DataType.String => DataType.String,
        _ => DataType.Unknown,
    };

    /// <summary>A TensorProto holding <paramref name="tensor"/> (numeric elements in <c>raw_data</c>, strings in <c>string_data</c>).</summary>
    public static TensorProto FromTensor(Tensor tensor, string name = "")
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var proto = new TensorProto { Name = name, DataType = (int)ElementType(tensor.DataType) };
        proto.Dims.AddRange(tensor.Dims);
        if (tensor.DataType.IsItems())
        {
            proto.StringData.AddRange(tensor.Items.Select(i => ByteString.CopyFrom(i.Span)));
        }
        else
        {
            proto.RawData = ByteString.CopyFrom(tensor.Data.Span);
        }
        return proto;
    }

    /// <summary>Reads a TensorProto (raw_data or the typed fields) into a new tensor.</summary>
    /// <exception cref="NotSupportedException">An element type SharpServing has no data type for, or external data.</exception>
    /// <exception cref="InvalidDataException">The element data does not match the dims.</exception>
    public static Tensor ToTensor(TensorProto proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var type = DataTypeOf(proto.DataType);
        if (type == DataType.Unknown)
        {
            throw new NotSupportedException($"Tensor '{proto.Name}' has ONNX element type {(TensorProto.Types.DataType)proto.DataType}, which SharpServing tensors cannot hold.");
        }
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new NotSupportedException($"Tensor '{proto.Name}' keeps its data in an external file.");
        }
        var shape = proto.Dims.ToArray();
        var count = shape.Aggregate(1L, (a, d) => checked(a * d));
        if (type == DataType.String)
        {
            Expect(proto, count, proto.StringData.Count);
            return Tensor.FromItems(DataType.String, shape, [.. proto.StringData.Select(s => (ReadOnlyMemory<byte>)s.ToByteArray())]);
        }
        if (!proto.RawData.IsEmpty || count == 0)
        {
            Expect(proto, count * type.ItemSize(), proto.RawData.Length);
            return Tensor.FromMemory(type, shape, proto.RawData.ToByteArray(), isReadOnly: false);
        }
        var bytes = new byte[count * type.ItemSize()];
        switch (type)
        {
            case DataType.Float32:
                Expect(proto, count, proto.FloatData.Count);
                MemoryMarshal.AsBytes(proto.FloatData.ToArray().AsSpan()).CopyTo(bytes);
                break;
            case DataType.Float64:
                Expect(proto, count, proto.DoubleData.Count);
                MemoryMarshal.AsBytes(proto.DoubleData.ToArray().AsSpan()).CopyTo(bytes);
                break;
            case DataType.Int64:
                Expect(proto, count, proto.Int64Data.Count);
                MemoryMarshal.AsBytes(proto.Int64Data.ToArray().AsSpan()).CopyTo(bytes);
                break;
            case DataType.UInt64:
                Expect(proto, count, proto.Uint64Data.Count);
                MemoryMarshal.AsBytes(proto.Uint64Data.ToArray().AsSpan()).CopyTo(bytes);
                break;
            case DataType.UInt32:
                Expect(proto, count, proto.Uint64Data.Count);
                MemoryMarshal.AsBytes(proto.Uint64Data.Select(v => unchecked((uint)v)).ToArray().AsSpan()).CopyTo(bytes);
                break;
            case DataType.Int32:
                Expect(proto, count, proto.Int32Data.Count);
                MemoryMarshal.AsBytes(proto.Int32Data.ToArray().AsSpan()).CopyTo(bytes);
                break;
            case DataType.Int16 or DataType.UInt16 or DataType.Float16:
                // 16-bit types (float16 as its bit pattern) travel widened to int32.
                Expect(proto, count, proto.Int32Data.Count);
                MemoryMarshal.AsBytes(proto.Int32Data.Select(v => unchecked((ushort)v)).ToArray().AsSpan()).CopyTo(bytes);
                break;
            case DataType.Int8 or DataType.UInt8 or DataType.Bool:
                Expect(proto, count, proto.Int32Data.Count);
                proto.Int32Data.Select(v => unchecked((byte)v)).ToArray().CopyTo(bytes, 0);
                break;
            default:
                throw new NotSupportedException($"Tensor '{proto.Name}' has data type {type}.");
        }
        return Tensor.FromMemory(type, shape, bytes, isReadOnly: false);
    }

    /// <summary>Parses a serialized TensorProto (a conformance test's <c>input_0.pb</c>) into a tensor.</summary>
    public static Tensor ReadFile(string path) => ToTensor(TensorProto.Parser.ParseFrom(File.ReadAllBytes(path)));

    private static void Expect(TensorProto proto, long expected, long actual)
    {
        if (expected != actual)
        {
            throw new InvalidDataException($"Tensor '{proto.Name}' of dims [{string.Join(", ", proto.Dims)}] needs {expected} elements' data, has {actual}.");
        }
    }
}
