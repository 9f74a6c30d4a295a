namespace SharpServing.OnnxRuntime;

/// <summary>
/// One input or output of a model as ONNX Runtime reports it.
/// </summary>
/// <param name="Name">The graph's name for the value.</param>
/// <param name="DataType">The element type in the SDK's terms; <see cref="DataType.Unknown"/> when the SDK has none
/// (bfloat16, complex, float8, or a value that is not a tensor).</param>
/// <param name="ElementType">The element type in ONNX's terms; <see cref="OrtElementType.Undefined"/> for a value
/// that is not a tensor (a sequence or a map).</param>
/// <param name="Shape">The dimensions; a dynamic dimension is -1.</param>
/// <param name="SymbolicDims">Per dimension, its symbolic name (<c>"batch"</c>), or null when it has none.</param>
public sealed record OrtNodeInfo(
    string Name,
    DataType DataType,
    OrtElementType ElementType,
    IReadOnlyList<long> Shape,
    IReadOnlyList<string?> SymbolicDims)
{
    /// <summary>Whether the value is a tensor (the only kind of value <see cref="OrtSession.Run(IReadOnlyList{Tensor}, CancellationToken)"/> accepts).</summary>
    public bool IsTensor => ElementType != OrtElementType.Undefined;

    /// <summary>Whether any dimension is dynamic.</summary>
    public bool HasDynamicDims => Shape.Any(d => d < 0);

    /// <summary>For diagnostics: <c>x: Float32[-1, 3, -1, -1]</c>.</summary>
    public override string ToString()
        => $"{Name}: {(DataType == DataType.Unknown ? ElementType.ToString() : DataType.ToString())}{Tensor.FormatShape([.. Shape])}";
}
