namespace SharpServing.Server.V2;

/// <summary>
/// A model input or output as metadata reports it. Where the servable does not determine them, the datatype is empty and
/// the shape is <c>[-1]</c> (docs/kserve-v2.md); a dimension of any size is -1.
/// </summary>
public sealed record V2TensorMetadata(string Name, string Datatype, IReadOnlyList<long> Shape);
