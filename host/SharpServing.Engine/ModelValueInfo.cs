namespace SharpServing.Engine;

/// <summary>One input or output of a model as its runtime reports it.</summary>
/// <param name="Name">The graph's name for the value.</param>
/// <param name="DataType">The element type; <see cref="DataType.Unknown"/> when serving has no such type (bfloat16,
/// complex, float8, ...) or the value is not a tensor.</param>
/// <param name="TypeName">The runtime's name for the type, for messages (<c>Float</c>, <c>BFloat16</c>, <c>Sequence</c>).</param>
/// <param name="Shape">The dimensions; a dynamic dimension is -1.</param>
/// <param name="SymbolicDims">Per dimension, its symbolic name (<c>"batch"</c>), or null when it has none.</param>
public sealed record ModelValueInfo(
    string Name,
    DataType DataType,
    string TypeName,
    IReadOnlyList<long> Shape,
    IReadOnlyList<string?> SymbolicDims)
{
    /// <summary>Whether serving can hand this value to the model or take it back: a tensor of a known type.</summary>
    public bool IsSupported => DataType != DataType.Unknown;

    /// <summary>Whether any dimension is dynamic.</summary>
    public bool HasDynamicDims => Shape.Any(d => d < 0);

    /// <summary>The value as a <see cref="TensorSpec"/> (the SDK's signature entry).</summary>
    public TensorSpec ToSpec() => new(Name, DataType, Shape);

    /// <summary>For diagnostics: <c>x: Float32[-1, 3, -1, -1]</c>.</summary>
    public override string ToString()
        => $"{Name}: {(IsSupported ? DataType.ToString() : TypeName)}{Tensor.FormatShape([.. Shape])}";
}
