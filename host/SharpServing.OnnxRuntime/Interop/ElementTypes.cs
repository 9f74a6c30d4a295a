namespace SharpServing.OnnxRuntime.Interop;

/// <summary>Maps between the SDK's <see cref="DataType"/> and ONNX's element types.</summary>
internal static class ElementTypes
{
    /// <summary>The ONNX element type a tensor of <paramref name="type"/> is handed to ORT as; bytes travel as ONNX strings.</summary>
    public static OrtElementType ToOrt(DataType type) => type switch
    {
        DataType.Bool => OrtElementType.Bool,
        DataType.Int8 => OrtElementType.Int8,
        DataType.UInt8 => OrtElementType.UInt8,
        DataType.Int16 => OrtElementType.Int16,
        DataType.UInt16 => OrtElementType.UInt16,
        DataType.Int32 => OrtElementType.Int32,
        DataType.UInt32 => OrtElementType.UInt32,
        DataType.Int64 => OrtElementType.Int64,
        DataType.UInt64 => OrtElementType.UInt64,
        DataType.Float16 => OrtElementType.Float16,
        DataType.Float32 => OrtElementType.Float,
        DataType.Float64 => OrtElementType.Double,
        DataType.String or DataType.Bytes => OrtElementType.String,
        _ => OrtElementType.Undefined,
    };

    /// <summary>The SDK's type for an ONNX element type, or <see cref="DataType.Unknown"/> when it has none.</summary>
    public static DataType ToSdk(OrtElementType type) => type switch
    {
        OrtElementType.Bool => DataType.Bool,
        OrtElementType.Int8 => DataType.Int8,
        OrtElementType.UInt8 => DataType.UInt8,
        OrtElementType.Int16 => DataType.Int16,
        OrtElementType.UInt16 => DataType.UInt16,
        OrtElementType.Int32 => DataType.Int32,
        OrtElementType.UInt32 => DataType.UInt32,
        OrtElementType.Int64 => DataType.Int64,
        OrtElementType.UInt64 => DataType.UInt64,
        OrtElementType.Float16 => DataType.Float16,
        OrtElementType.Float => DataType.Float32,
        OrtElementType.Double => DataType.Float64,
        OrtElementType.String => DataType.String,
        _ => DataType.Unknown,
    };
}
