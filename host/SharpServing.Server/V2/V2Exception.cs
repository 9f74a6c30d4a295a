namespace SharpServing.Server.V2;

/// <summary>An Open Inference Protocol error: its class and the text the client reads.</summary>
public sealed class V2Exception(V2Status status, string message) : Exception(message)
{
    /// <summary>What kind of failure it is (the HTTP status or gRPC code it travels as).</summary>
    public V2Status Status { get; } = status;
}
