using System.Runtime.InteropServices;

namespace SharpServing;

/// <summary>Element conversion between numeric data types (numpy <c>astype</c> semantics: integers wrap, floats truncate toward zero).</summary>
internal static class TensorCast
{
    public static Tensor Cast(Tensor source, DataType target)
    {
        if (source.DataType == target)
        {
            return source;
        }
        if (!source.DataType.IsNumeric() || !target.IsNumeric())
        {
            throw new InvalidOperationException($"Cannot cast {source.DataType} to {target}: only numeric types convert.");
        }
        var result = Tensor.Zeros(target, [.. source.Shape]);
        var destination = MemoryMarshal.AsMemory(result.Data).Span;
        var from = source.Data.Span;
        var count = checked((int)source.ElementCount);
        var inSize = source.DataType.ItemSize();
        var outSize = target.ItemSize();
        var floating = source.DataType is DataType.Float16 or DataType.Float32 or DataType.Float64;
        for (var i = 0; i < count; i++)
        {
            var s = from.Slice(i * inSize, inSize);
            var d = destination.Slice(i * outSize, outSize);
            if (floating)
            {
                WriteDouble(target, d, ReadDouble(source.DataType, s));
            }
            else if (source.DataType == DataType.UInt64)
            {
                var v = MemoryMarshal.Read<ulong>(s);
                if (IsFloating(target))
                {
                    WriteDouble(target, d, v);
                }
                else
                {
                    WriteInteger(target, d, unchecked((long)v));
                }
            }
            else
            {
                var v = ReadInteger(source.DataType, s);
                if (IsFloating(target))
                {
                    WriteDouble(target, d, v);
                }
                else
                {
                    WriteInteger(target, d, v);
                }
            }
        }
        return result;
    }

    private static bool IsFloating(DataType type) => type is DataType.Float16 or DataType.Float32 or DataType.Float64;

    private static double ReadDouble(DataType type, ReadOnlySpan<byte> s) => type switch
    {
        DataType.Float16 => (double)MemoryMarshal.Read<Half>(s),
        DataType.Float32 => MemoryMarshal.Read<float>(s),
        _ => MemoryMarshal.Read<double>(s),
    };

    private static long ReadInteger(DataType type, ReadOnlySpan<byte> s) => type switch
    {
        DataType.Bool => s[0] != 0 ? 1 : 0,
        DataType.Int8 => (sbyte)s[0],
        DataType.UInt8 => s[0],
        DataType.Int16 => MemoryMarshal.Read<short>(s),
        DataType.UInt16 => MemoryMarshal.Read<ushort>(s),
        DataType.Int32 => MemoryMarshal.Read<int>(s),
        DataType.UInt32 => MemoryMarshal.Read<uint>(s),
        _ => MemoryMarshal.Read<long>(s),
    };

    private static void WriteDouble(DataType type, Span<byte> d, double v)
    {
        switch (type)
        {
            case DataType.Float16:
                MemoryMarshal.Write(d, (Half)v);
                break;
            case DataType.Float32:
                MemoryMarshal.Write(d, (float)v);
                break;
            case DataType.Float64:
                MemoryMarshal.Write(d, v);
                break;
            case DataType.Bool:
                d[0] = v != 0 ? (byte)1 : (byte)0;
                break;
            case DataType.UInt64:
                MemoryMarshal.Write(d, v >= 0 ? unchecked((ulong)v) : unchecked((ulong)(long)v));
                break;
            default:
                WriteInteger(type, d, double.IsNaN(v) ? 0 : unchecked((long)v));
                break;
        }
    }

    private static void WriteInteger(DataType type, Span<byte> d, long v)
    {
        switch (type)
        {
            case DataType.Bool:
                d[0] = v != 0 ? (byte)1 : (byte)0;
                break;
            case DataType.Int8:
            case DataType.UInt8:
                d[0] = unchecked((byte)v);
                break;
            case DataType.Int16:
            case DataType.UInt16:
                MemoryMarshal.Write(d, unchecked((ushort)v));
                break;
            case DataType.Int32:
            case DataType.UInt32:
                MemoryMarshal.Write(d, unchecked((uint)v));
                break;
            default:
                MemoryMarshal.Write(d, v);
                break;
        }
    }
}
