using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace SharpServing;

/// <summary>Diagnostic text of a tensor: <c>Float32[2, 2] {1, 2, 3, 4}</c>.</summary>
internal static class TensorFormatter
{
    public static string Format(Tensor tensor, int maxElements)
    {
        var sb = new StringBuilder();
        sb.Append(tensor.DataType).Append(Tensor.FormatShape(tensor.Shape)).Append(" {");
        var shown = (int)Math.Min(tensor.ElementCount, maxElements);
        for (var i = 0; i < shown; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }
            sb.Append(Element(tensor, i));
        }
        if (tensor.ElementCount > shown)
        {
            sb.Append(", …");
        }
        return sb.Append('}').ToString();
    }

    private static string Element(Tensor tensor, int i)
    {
        var size = tensor.DataType.ItemSize();
        var s = size > 0 ? tensor.Data.Span.Slice(i * size, size) : default;
        var c = CultureInfo.InvariantCulture;
        return tensor.DataType switch
        {
            DataType.Bool => s[0] != 0 ? "true" : "false",
            DataType.Int8 => ((sbyte)s[0]).ToString(c),
            DataType.UInt8 => s[0].ToString(c),
            DataType.Int16 => MemoryMarshal.Read<short>(s).ToString(c),
            DataType.UInt16 => MemoryMarshal.Read<ushort>(s).ToString(c),
            DataType.Int32 => MemoryMarshal.Read<int>(s).ToString(c),
            DataType.UInt32 => MemoryMarshal.Read<uint>(s).ToString(c),
            DataType.Int64 => MemoryMarshal.Read<long>(s).ToString(c),
            DataType.UInt64 => MemoryMarshal.Read<ulong>(s).ToString(c),
            DataType.Float16 => MemoryMarshal.Read<Half>(s).ToString(c),
            DataType.Float32 => MemoryMarshal.Read<float>(s).ToString(c),
            DataType.Float64 => MemoryMarshal.Read<double>(s).ToString(c),
            DataType.String => "\"" + tensor.GetString(i) + "\"",
            _ => $"<{tensor.Items[i].Length} bytes>",
        };
    }
}
