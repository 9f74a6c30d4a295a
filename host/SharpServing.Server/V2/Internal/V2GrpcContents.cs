using System.Runtime.InteropServices;
using Google.Protobuf;
using SharpServing.Engine;
using SharpServing.Protocol.Inference;

namespace SharpServing.Server.V2.Internal;

/// <summary>Typed <c>InferTensorContents</c> as engine tensors and back: each datatype in the field the protocol gives it.</summary>
internal static class V2GrpcContents
{
    public static RequestInput ToInput(ModelInferRequest.Types.InferInputTensor tensor)
    {
        var type = V2DataTypes.Parse(tensor.Datatype);
        if (type == DataType.Unknown)
        {
            return RequestInput.Invalid(V2Errors.UnsupportedDataType(tensor.Datatype));
        }
        var shape = tensor.Shape.ToArray();
        var contents = tensor.Contents ?? new InferTensorContents();
        if (type == DataType.Bytes)
        {
            return V2Tensors.Items(shape, [.. contents.BytesContents.Select(b => b.Memory)]);
        }
        byte[] data;
        switch (type)
        {
            case DataType.Bool:
                data = [.. contents.BoolContents.Select(b => b ? (byte)1 : (byte)0)];
                break;
            case DataType.Int8:
                if (!TryNarrow(contents.IntContents, sbyte.MinValue, sbyte.MaxValue, v => (sbyte)v, out data))
                {
                    return OutOfRange(tensor.Datatype);
                }
                break;
            case DataType.Int16:
                if (!TryNarrow(contents.IntContents, short.MinValue, short.MaxValue, v => (short)v, out data))
                {
                    return OutOfRange(tensor.Datatype);
                }
                break;
            case DataType.Int32:
                data = Bytes<int>([.. contents.IntContents]);
                break;
            case DataType.UInt8:
                if (!TryNarrow(contents.UintContents, byte.MinValue, byte.MaxValue, v => (byte)v, out data))
                {
                    return OutOfRange(tensor.Datatype);
                }
                break;
            case DataType.UInt16:
                if (!TryNarrow(contents.UintContents, ushort.MinValue, ushort.MaxValue, v => (ushort)v, out data))
                {
                    return OutOfRange(tensor.Datatype);
                }
                break;
            case DataType.UInt32:
                data = Bytes<uint>([.. contents.UintContents]);
                break;
            case DataType.Int64:
                data = Bytes<long>([.. contents.Int64Contents]);
                break;
            case DataType.UInt64:
                data = Bytes<ulong>([.. contents.Uint64Contents]);
                break;
            case DataType.Float16:
                // The protocol has no FP16 contents field: FP16 travels as raw_input_contents only.
                return RequestInput.Invalid("Tensor check failed: FP16 input data can only be sent in raw_input_contents");
            case DataType.Float32:
                data = Bytes<float>([.. contents.Fp32Contents]);
                break;
            default:
                data = Bytes<double>([.. contents.Fp64Contents]);
                break;
        }
        return V2Tensors.Numeric(type, shape, data);
    }

    public static InferTensorContents ToContents(Tensor tensor)
    {
        var contents = new InferTensorContents();
        switch (tensor.DataType)
        {
            case DataType.Bool:
                contents.BoolContents.AddRange(tensor.Data.ToArray().Select(b => b != 0));
                break;
            case DataType.Int8:
                contents.IntContents.AddRange(tensor.ToArray<sbyte>().Select(v => (int)v));
                break;
            case DataType.Int16:
                contents.IntContents.AddRange(tensor.ToArray<short>().Select(v => (int)v));
                break;
            case DataType.Int32:
                contents.IntContents.AddRange(tensor.ToArray<int>());
                break;
            case DataType.UInt8:
                contents.UintContents.AddRange(tensor.Data.ToArray().Select(v => (uint)v));
                break;
            case DataType.UInt16:
                contents.UintContents.AddRange(tensor.ToArray<ushort>().Select(v => (uint)v));
                break;
            case DataType.UInt32:
                contents.UintContents.AddRange(tensor.ToArray<uint>());
                break;
            case DataType.Int64:
                contents.Int64Contents.AddRange(tensor.ToArray<long>());
                break;
            case DataType.UInt64:
                contents.Uint64Contents.AddRange(tensor.ToArray<ulong>());
                break;
            case DataType.Float16:
                contents.Fp32Contents.AddRange(tensor.ToArray<Half>().Select(v => (float)v));
                break;
            case DataType.Float32:
                contents.Fp32Contents.AddRange(tensor.ToArray<float>());
                break;
            case DataType.Float64:
                contents.Fp64Contents.AddRange(tensor.ToArray<double>());
                break;
            default:
                contents.BytesContents.AddRange(tensor.Items.Select(i => ByteString.CopyFrom(i.Span)));
                break;
        }
        return contents;
    }

    private static RequestInput OutOfRange(string datatype) => RequestInput.Invalid($"Tensor check failed: a value is out of the range of {datatype}");

    private static byte[] Bytes<T>(T[] values) where T : unmanaged => MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static bool TryNarrow<TWire, T>(IList<TWire> values, long min, long max, Func<TWire, T> narrow, out byte[] data)
        where TWire : unmanaged, IConvertible where T : unmanaged
    {
        var narrowed = new T[values.Count];
        for (var i = 0; i < narrowed.Length; i++)
        {
            var wide = values[i].ToInt64(null);
            if (wide < min || wide > max)
            {
                data = [];
                return false;
            }
            narrowed[i] = narrow(values[i]);
        }
        data = Bytes(narrowed);
        return true;
    }
}
