namespace SharpServing.Server.Rest.Internal;

/// <summary>The <c>type</c> names of base64 objects (specification 6.5).</summary>
internal static class RestTypeNames
{
    /// <summary>The data type a <c>type</c> value names, or <see cref="DataType.Unknown"/>.</summary>
    public static DataType Parse(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("int8"u8) => DataType.Int8,
        _ when name.SequenceEqual("int16"u8) => DataType.Int16,
        _ when name.SequenceEqual("int32"u8) => DataType.Int32,
        _ when name.SequenceEqual("int64"u8) => DataType.Int64,
        _ when name.SequenceEqual("uint8"u8) => DataType.UInt8,
        _ when name.SequenceEqual("uint16"u8) => DataType.UInt16,
        _ when name.SequenceEqual("uint32"u8) => DataType.UInt32,
        _ when name.SequenceEqual("uint64"u8) => DataType.UInt64,
        _ when name.SequenceEqual("fp16"u8) || name.SequenceEqual("float16"u8) => DataType.Float16,
        _ when name.SequenceEqual("fp32"u8) || name.SequenceEqual("float32"u8) => DataType.Float32,
        _ when name.SequenceEqual("fp64"u8) || name.SequenceEqual("float64"u8) => DataType.Float64,
        _ when name.SequenceEqual("bool"u8) => DataType.Bool,
        _ when name.SequenceEqual("str"u8) => DataType.String,
        _ when name.SequenceEqual("bytes"u8) => DataType.Bytes,
        _ => DataType.Unknown,
    };

    /// <summary>The name used in texts: the alphabetically first alias.</summary>
    public static string CanonicalName(DataType type) => type switch
    {
        DataType.Int8 => "int8",
        DataType.Int16 => "int16",
        DataType.Int32 => "int32",
        DataType.Int64 => "int64",
        DataType.UInt8 => "uint8",
        DataType.UInt16 => "uint16",
        DataType.UInt32 => "uint32",
        DataType.UInt64 => "uint64",
        DataType.Float16 => "float16",
        DataType.Float32 => "float32",
        DataType.Float64 => "float64",
        DataType.Bool => "bool",
        DataType.String => "str",
        DataType.Bytes => "bytes",
        _ => "unknown",
    };
}
