namespace SharpServing.Server.V2;

/// <summary>What <c>GET /v2/models/{m}</c> and <c>ModelMetadata</c> report of one model (a servable's method).</summary>
public sealed record V2ModelMetadata(
    string Name, IReadOnlyList<string> Versions, string Platform, IReadOnlyList<V2TensorMetadata> Inputs, IReadOnlyList<V2TensorMetadata> Outputs);
