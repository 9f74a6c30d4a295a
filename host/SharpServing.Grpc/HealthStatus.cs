namespace SharpServing.Grpc;

/// <summary>The serving status of a service, as the gRPC health protocol reports it.</summary>
public enum HealthStatus
{
    /// <summary>Known to the server, status not yet decided.</summary>
    Unknown = 0,
    /// <summary>Takes requests.</summary>
    Serving = 1,
    /// <summary>Known, but does not take requests now.</summary>
    NotServing = 2,
}
