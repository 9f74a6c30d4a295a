using Microsoft.ML.OnnxRuntime.Tensors;

namespace SharpServing.OnnxRuntime.Internal;

/// <summary>Maps between the SDK's <see cref="DataType"/> and ONNX's element types.</summary>
internal static class ElementTypes
{
    /// <summary>The ONNX element type a tensor of <paramref name="type"/> is handed to ORT as; bytes travel as ONNX strings.</summary>
    public static TensorElementType ToOrt(DataType type) => type switch
    {
        DataType.Bool => TensorElementType.Bool,
        DataType.Int8 => TensorElementType.Int8,
        DataType.UInt8 => TensorElementType.UInt8,
        DataType.Int16 => TensorElementType.Int16,
        DataType.UInt16 => TensorElementType.UInt16,
        DataType.Int32 => TensorElementType.Int32,
        DataType.UInt32 => TensorElementType.UInt32,
        DataType.Int64 => TensorElementType.Int64,
        DataType.UInt64 => TensorElementType.UInt64,
        DataType.Float16 => TensorElementType.Float16,
        DataType.Float32 => TensorElementType.Float,
        DataType.Float64 => TensorElementType.Double,
        DataType.String or DataType.Bytes => TensorElementType.String,
        _ => TensorElementType.DataTypeMax,
    };

    /// <summary>The SDK's type for an ONNX element type, or <see cref="DataType.Unknown"/> when it has none.</summary>
    public static DataType ToSdk(TensorElementType type) => type switch
    {
        TensorElementType.Bool => DataType.Bool,
        TensorElementType.Int8 => DataType.Int8,
        TensorElementType.UInt8 => DataType.UInt8,
        TensorElementType.Int16 => DataType.Int16,
        TensorElementType.UInt16 => DataType.UInt16,
        TensorElementType.Int32 => DataType.Int32,
        TensorElementType.UInt32 => DataType.UInt32,
        TensorElementType.Int64 => DataType.Int64,
        TensorElementType.UInt64 => DataType.UInt64,
        TensorElementType.Float16 => DataType.Float16,
        TensorElementType.Float => DataType.Float32,
        TensorElementType.Double => DataType.Float64,
        TensorElementType.String => DataType.String,
        _ => DataType.Unknown,
    };
}
