using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace SharpServing.Engine.Execution;

/// <summary>
/// Converts between tensors and the CLR types C# stage functions take and return: <see cref="Tensor"/>; arrays of the
/// element types of any rank; scalars; <c>string</c>, <c>string[]</c>; <c>byte[]</c> (a bytes item, or uint8 data).
/// Parameter converters are chosen once per stage; results are converted by their runtime type.
/// </summary>
internal static class TensorConversion
{
    /// <summary>The converter from a tensor to a parameter of type <paramref name="type"/>, or null when unsupported.</summary>
    public static Func<Tensor, object?>? ForParameter(Type type)
    {
        if (type == typeof(Tensor) || type == typeof(object))
        {
            return static t => t;
        }
        if (type == typeof(string))
        {
            return ToText;
        }
        if (type == typeof(byte[]))
        {
            return static t => t.DataType.IsItems() ? SingleItem(t).ToArray() : ToArray(t, typeof(byte), 1);
        }
        if (type == typeof(string[]))
        {
            return static t => t.DataType.IsItems()
                ? t.Items.Select(i => Encoding.UTF8.GetString(i.Span)).ToArray()
                : throw new InvalidOperationException($"Expected a string tensor, got {t.DataType}.");
        }
        var scalar = DataTypes.FromClrType(type);
        if (scalar.IsNumeric())
        {
            return t => ToScalar(t, scalar);
        }
        if (type.IsArray && type.GetElementType() is { } element && DataTypes.FromClrType(element).IsNumeric())
        {
            var rank = type.GetArrayRank();
            var isVector = type.IsSZArray;
            return t => ToArray(t, element, isVector ? 1 : rank, isVector);
        }
        return null;
    }

    /// <summary>Converts one value a stage returned into a tensor (scalars become 0-d tensors).</summary>
    /// <exception cref="InvalidOperationException">The value is null or of a type that has no tensor form.</exception>
    public static Tensor ToTensor(object? value) => value switch
    {
        null => throw new InvalidOperationException("The function returned null where a value was expected."),
        Tensor tensor => tensor,
        string text => Tensor.FromString(text),
        byte[] bytes => Tensor.FromBytes(bytes),
        string[] texts => Tensor.FromStrings(texts),
        Array array when DataTypes.FromClrType(array.GetType().GetElementType()!).IsNumeric() => Tensor.FromArray(array),
        bool v => Tensor.Scalar(v),
        sbyte v => Tensor.Scalar(v),
        byte v => Tensor.Scalar(v),
        short v => Tensor.Scalar(v),
        ushort v => Tensor.Scalar(v),
        int v => Tensor.Scalar(v),
        uint v => Tensor.Scalar(v),
        long v => Tensor.Scalar(v),
        ulong v => Tensor.Scalar(v),
        Half v => Tensor.Scalar(v),
        float v => Tensor.Scalar(v),
        double v => Tensor.Scalar(v),
        ReadOnlyMemory<byte> memory => Tensor.FromBytes(memory),
        _ => throw new InvalidOperationException($"The function returned a value of type {value.GetType().Name}, which has no tensor form."),
    };

    /// <summary>Splits what a stage returned into its <paramref name="count"/> outputs.</summary>
    public static Tensor[] ToOutputs(object? result, int count)
    {
        if (count == 1)
        {
            return [ToTensor(result is ITuple { Length: 1 } single ? single[0] : result)];
        }
        switch (result)
        {
            case ITuple tuple when tuple.Length == count:
                var fromTuple = new Tensor[count];
                for (var i = 0; i < count; i++)
                {
                    fromTuple[i] = ToTensor(tuple[i]);
                }
                return fromTuple;
            case Tensor[] tensors when tensors.Length == count:
                return [.. tensors.Select(ToTensor)];
            case object[] values when values.Length == count:
                return [.. values.Select(ToTensor)];
            case ITuple tuple:
                throw new InvalidOperationException($"The function returned {tuple.Length} values, but the stage has {count} outputs.");
            case Array array when array.GetType().GetElementType() is { IsPrimitive: false }:
                throw new InvalidOperationException($"The function returned {array.Length} values, but the stage has {count} outputs.");
            default:
                throw new InvalidOperationException(
                    $"The function returned one value ({result?.GetType().Name ?? "null"}), but the stage has {count} outputs: return a tuple.");
        }
    }

    private static string ToText(Tensor t)
        => t.DataType.IsItems() ? Encoding.UTF8.GetString(SingleItem(t).Span) : throw new InvalidOperationException($"Expected a string tensor, got {t.DataType}.");

    private static ReadOnlyMemory<byte> SingleItem(Tensor t)
        => t.Items.Count == 1 ? t.Items[0] : throw new InvalidOperationException($"Expected one item, the tensor has {t.Items.Count}.");

    private static object ToScalar(Tensor t, DataType type)
    {
        if (!t.DataType.IsNumeric())
        {
            throw new InvalidOperationException($"Expected a numeric scalar, got a {t.DataType} tensor.");
        }
        if (t.ElementCount != 1)
        {
            throw new InvalidOperationException($"Expected a scalar, got a tensor of shape {Tensor.FormatShape(t.Shape)}.");
        }
        var data = t.Cast(type).Data.Span;
        return type switch
        {
            DataType.Bool => data[0] != 0,
            DataType.Int8 => (sbyte)data[0],
            DataType.UInt8 => data[0],
            DataType.Int16 => MemoryMarshal.Read<short>(data),
            DataType.UInt16 => MemoryMarshal.Read<ushort>(data),
            DataType.Int32 => MemoryMarshal.Read<int>(data),
            DataType.UInt32 => MemoryMarshal.Read<uint>(data),
            DataType.Int64 => MemoryMarshal.Read<long>(data),
            DataType.UInt64 => MemoryMarshal.Read<ulong>(data),
            DataType.Float16 => MemoryMarshal.Read<Half>(data),
            DataType.Float32 => MemoryMarshal.Read<float>(data),
            _ => MemoryMarshal.Read<double>(data),
        };
    }

    /// <summary>Copies the elements (converted to <paramref name="element"/>) into a new array: 1-d flattens any shape,
    /// a multi-dimensional array takes the tensor's shape (ranks must agree).</summary>
    private static Array ToArray(Tensor t, Type element, int rank, bool isVector = true)
    {
        if (!t.DataType.IsNumeric())
        {
            throw new InvalidOperationException($"Expected a numeric tensor, got {t.DataType}.");
        }
        var type = DataTypes.FromClrType(element);
        var source = t.Cast(type).Data.Span;
        Array array;
        if (isVector)
        {
            array = Array.CreateInstance(element, checked((int)t.ElementCount));
        }
        else
        {
            if (t.Rank != rank)
            {
                throw new InvalidOperationException($"Expected a tensor of rank {rank}, got shape {Tensor.FormatShape(t.Shape)}.");
            }
            var lengths = new int[rank];
            for (var d = 0; d < rank; d++)
            {
                lengths[d] = checked((int)t.Shape[d]);
            }
            array = Array.CreateInstance(element, lengths);
        }
        var destination = MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(array), source.Length);
        source.CopyTo(destination);
        if (type == DataType.Bool)
        {
            // The wire reads any nonzero byte as true; a CLR bool must hold exactly 0 or 1.
            foreach (ref var b in destination)
            {
                b = b != 0 ? (byte)1 : (byte)0;
            }
        }
        return array;
    }
}
