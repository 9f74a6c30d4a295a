namespace SharpServing;

/// <summary>The name, element type and shape of one model input or output; -1 marks a dynamic dimension.</summary>
public sealed record TensorSpec(string Name, DataType DataType, IReadOnlyList<long> Shape);

/// <summary>The inputs and outputs of one model file (subgraph), as the runtime reports them.</summary>
public sealed record ModelSignature(IReadOnlyList<TensorSpec> Inputs, IReadOnlyList<TensorSpec> Outputs);
