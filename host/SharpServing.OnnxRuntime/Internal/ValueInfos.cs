using Microsoft.ML.OnnxRuntime;

namespace SharpServing.OnnxRuntime.Internal;

/// <summary>Reads a session's input and output metadata into the engine's <see cref="ModelValueInfo"/>.</summary>
internal static class ValueInfos
{
    public static ModelValueInfo[] Read(IReadOnlyList<string> names, IReadOnlyDictionary<string, NodeMetadata> metadata)
    {
        var result = new ModelValueInfo[names.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var name = names[i];
            var node = metadata[name];
            if (!node.IsTensor)
            {
                result[i] = new ModelValueInfo(name, DataType.Unknown, TypeName(node.OnnxValueType), [], []);
                continue;
            }
            var dims = node.Dimensions;
            var symbols = node.SymbolicDimensions;
            var shape = new long[dims.Length];
            var symbolic = new string?[dims.Length];
            for (var d = 0; d < dims.Length; d++)
            {
                shape[d] = dims[d] < 0 ? -1 : dims[d];
                symbolic[d] = d < symbols.Length && !string.IsNullOrEmpty(symbols[d]) ? symbols[d] : null;
            }
            result[i] = new ModelValueInfo(name, ElementTypes.ToSdk(node.ElementDataType), node.ElementDataType.ToString(), shape, symbolic);
        }
        return result;
    }

    private static string TypeName(OnnxValueType type) => type switch
    {
        OnnxValueType.ONNX_TYPE_SEQUENCE => "Sequence",
        OnnxValueType.ONNX_TYPE_MAP => "Map",
        OnnxValueType.ONNX_TYPE_OPTIONAL => "Optional",
        OnnxValueType.ONNX_TYPE_SPARSETENSOR => "SparseTensor",
        _ => type.ToString(),
    };
}
