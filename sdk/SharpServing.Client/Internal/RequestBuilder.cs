using System.Collections;
using System.Runtime.InteropServices;
using System.Text;
using Google.Protobuf;
using Proto = SharpServing.Protocol;

namespace SharpServing.Internal;

/// <summary>
/// Turns the caller's instances into a <see cref="Proto.PredictRequest"/> following the MindSpore Serving client's value
/// rules (spec 9.2). Every check throws <see cref="ArgumentException"/> with the client's exact text.
/// </summary>
internal static class RequestBuilder
{
    public static Proto.PredictRequest Build(Proto.ServableSpec spec, object? instances)
    {
        var request = new Proto.PredictRequest { ServableSpec = spec };
        foreach (var instance in EnumerateInstances(instances))
        {
            request.Instances.Add(EncodeInstance(instance));
        }
        return request;
    }

    private static List<IEnumerable<KeyValuePair<string, object?>>> EnumerateInstances(object? instances)
    {
        if (AsMap(instances) is { } single)
        {
            return [single];
        }
        if (instances is null or string or not IEnumerable)
        {
            throw new ArgumentException("instance should be a map");
        }
        var list = new List<IEnumerable<KeyValuePair<string, object?>>>();
        foreach (var item in (IEnumerable)instances)
        {
            list.Add(AsMap(item) ?? throw new ArgumentException("instance should be a map"));
        }
        return list;
    }

    /// <summary>An instance: an <c>IReadOnlyDictionary&lt;string, object&gt;</c>, or any non-generic <see cref="IDictionary"/>.</summary>
    private static IEnumerable<KeyValuePair<string, object?>>? AsMap(object? value) => value switch
    {
        IReadOnlyDictionary<string, object?> map => map,
        IDictionary map => EnumerateDictionary(map),
        _ => null,
    };

    private static List<KeyValuePair<string, object?>> EnumerateDictionary(IDictionary map)
    {
        var pairs = new List<KeyValuePair<string, object?>>(map.Count);
        foreach (DictionaryEntry entry in map)
        {
            pairs.Add(new(entry.Key as string ?? throw new ArgumentException("key of instance should be a string"), entry.Value));
        }
        return pairs;
    }

    private static Proto.Instance EncodeInstance(IEnumerable<KeyValuePair<string, object?>> instance)
    {
        var message = new Proto.Instance();
        foreach (var (name, value) in instance)
        {
            message.Items[name] = Encode(value);
        }
        return message;
    }

    /// <summary>One value → one wire tensor. The order of the checks is the spec's (9.2).</summary>
    public static Proto.Tensor Encode(object? value) => value switch
    {
        Tensor tensor => FromTensor(tensor),
        // byte[] is the Python `bytes` analogue, not a uint8 array: checked before arrays. The exact type test matters:
        // the runtime lets an sbyte[] pass "is byte[]".
        byte[] bytes when bytes.GetType() == typeof(byte[]) => Items(Proto.DataType.MsBytes, [1], ByteString.CopyFrom(bytes)),
        Array array => FromArray(array),
        string text => Items(Proto.DataType.MsString, [1], ByteString.CopyFrom(Encoding.UTF8.GetBytes(text))),
        // Python bool/int/float analogues: 1-element arrays, dims [1].
        bool v => Numeric(Proto.DataType.MsBool, [1], [v ? (byte)1 : (byte)0]),
        int v => Numeric(Proto.DataType.MsInt64, [1], BitConverter.GetBytes((long)v)),
        long v => Numeric(Proto.DataType.MsInt64, [1], BitConverter.GetBytes(v)),
        double v => Numeric(Proto.DataType.MsFloat64, [1], BitConverter.GetBytes(v)),
        // numpy scalar analogues: 0-d tensors.
        sbyte v => Numeric(Proto.DataType.MsInt8, [], [(byte)v]),
        byte v => Numeric(Proto.DataType.MsUint8, [], [v]),
        short v => Numeric(Proto.DataType.MsInt16, [], BitConverter.GetBytes(v)),
        ushort v => Numeric(Proto.DataType.MsUint16, [], BitConverter.GetBytes(v)),
        uint v => Numeric(Proto.DataType.MsUint32, [], BitConverter.GetBytes(v)),
        ulong v => Numeric(Proto.DataType.MsUint64, [], BitConverter.GetBytes(v)),
        Half v => Numeric(Proto.DataType.MsFloat16, [], BitConverter.GetBytes(v)),
        float v => Numeric(Proto.DataType.MsFloat32, [], BitConverter.GetBytes(v)),
        null => throw new ArgumentException("Not support value type null"),
        _ => throw new ArgumentException($"Not support value type {TypeNames.Of(value.GetType())}"),
    };

    private static Proto.Tensor FromTensor(Tensor tensor)
    {
        if (tensor.DataType.IsItems())
        {
            var message = Shaped((Proto.DataType)tensor.DataType, tensor.Shape);
            foreach (var item in tensor.Items)
            {
                message.BytesVal.Add(ByteString.CopyFrom(item.Span));
            }
            return message;
        }
        var numeric = Shaped((Proto.DataType)tensor.DataType, tensor.Shape);
        numeric.Data = ByteString.CopyFrom(tensor.Data.Span);
        return numeric;
    }

    private static Proto.Tensor FromArray(Array array)
    {
        var elementType = array.GetType().GetElementType()!;
        var dataType = NumericTypeOf(elementType);
        if (dataType == DataType.Unknown)
        {
            throw new ArgumentException($"Unknown data type {TypeNames.Of(elementType)}");
        }
        Span<long> dims = stackalloc long[array.Rank];
        for (var d = 0; d < dims.Length; d++)
        {
            dims[d] = array.GetLength(d);
        }
        var byteCount = checked((int)(array.LongLength * dataType.ItemSize()));
        // Multi-dimensional arrays are stored row-major, as the wire wants them.
        var bytes = MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetArrayDataReference(array), byteCount);
        var message = Shaped((Proto.DataType)dataType, dims);
        message.Data = ByteString.CopyFrom(bytes);
        return message;
    }

    /// <summary>The numeric data type of an array element type; enums and other types are not element types.</summary>
    private static DataType NumericTypeOf(Type elementType)
        => elementType.IsEnum ? DataType.Unknown : DataTypes.FromClrType(elementType) is var type && type.IsNumeric() ? type : DataType.Unknown;

    private static Proto.Tensor Numeric(Proto.DataType dataType, ReadOnlySpan<long> dims, byte[] data)
    {
        var message = Shaped(dataType, dims);
        message.Data = UnsafeByteOperations.UnsafeWrap(data);
        return message;
    }

    private static Proto.Tensor Items(Proto.DataType dataType, ReadOnlySpan<long> dims, ByteString item)
    {
        var message = Shaped(dataType, dims);
        message.BytesVal.Add(item);
        return message;
    }

    private static Proto.Tensor Shaped(Proto.DataType dataType, ReadOnlySpan<long> dims)
    {
        var shape = new Proto.TensorShape();
        foreach (var dim in dims)
        {
            shape.Dims.Add(dim);
        }
        return new Proto.Tensor { Dtype = dataType, Shape = shape };
    }
}
