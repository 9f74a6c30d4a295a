namespace SharpServing.Internal;

/// <summary>The Open Inference Protocol's datatype names of the tensor types; strings and bytes are BYTES.</summary>
internal static class V2TypeNames
{
    private static readonly (DataType Type, string Name)[] s_names =
    [
        (DataType.Bool, "BOOL"), (DataType.Int8, "INT8"), (DataType.UInt8, "UINT8"), (DataType.Int16, "INT16"),
        (DataType.UInt16, "UINT16"), (DataType.Int32, "INT32"), (DataType.UInt32, "UINT32"), (DataType.Int64, "INT64"),
        (DataType.UInt64, "UINT64"), (DataType.Float16, "FP16"), (DataType.Float32, "FP32"), (DataType.Float64, "FP64"),
        (DataType.Bytes, "BYTES"),
    ];

    public static string NameOf(DataType type)
        => type == DataType.String ? "BYTES" : s_names.FirstOrDefault(n => n.Type == type).Name
            ?? throw new ArgumentException($"A tensor of type {type} has no Open Inference Protocol datatype.", nameof(type));

    public static DataType Parse(string name) => s_names.FirstOrDefault(n => n.Name == name).Type;
}
