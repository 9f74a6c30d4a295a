namespace SharpServing.Server.V2;

/// <summary>
/// The Open Inference Protocol's datatype names and the engine's data types. String tensors go out as <c>BYTES</c>;
/// <c>BF16</c> has no engine type and is refused.
/// </summary>
public static class V2DataTypes
{
    /// <summary>The datatype of text and byte items.</summary>
    public const string Bytes = "BYTES";

    /// <summary>The protocol's name of <paramref name="type"/>.</summary>
    public static string NameOf(DataType type) => type switch
    {
        DataType.Bool => "BOOL",
        DataType.Int8 => "INT8",
        DataType.UInt8 => "UINT8",
        DataType.Int16 => "INT16",
        DataType.UInt16 => "UINT16",
        DataType.Int32 => "INT32",
        DataType.UInt32 => "UINT32",
        DataType.Int64 => "INT64",
        DataType.UInt64 => "UINT64",
        DataType.Float16 => "FP16",
        DataType.Float32 => "FP32",
        DataType.Float64 => "FP64",
        DataType.String or DataType.Bytes => Bytes,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No Open Inference Protocol datatype."),
    };

    /// <summary>The engine type of a protocol datatype name (exact, upper case); <see cref="DataType.Unknown"/> if none.</summary>
    public static DataType Parse(string? name) => name switch
    {
        "BOOL" => DataType.Bool,
        "INT8" => DataType.Int8,
        "UINT8" => DataType.UInt8,
        "INT16" => DataType.Int16,
        "UINT16" => DataType.UInt16,
        "INT32" => DataType.Int32,
        "UINT32" => DataType.UInt32,
        "INT64" => DataType.Int64,
        "UINT64" => DataType.UInt64,
        "FP16" => DataType.Float16,
        "FP32" => DataType.Float32,
        "FP64" => DataType.Float64,
        Bytes => DataType.Bytes,
        _ => DataType.Unknown,
    };
}
