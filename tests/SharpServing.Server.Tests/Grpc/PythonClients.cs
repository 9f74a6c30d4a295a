using SharpServing.Server.Tests.Infrastructure;

namespace SharpServing.Server.Tests.Grpc;

/// <summary>Tests that run python gRPC clients share one set of generated stubs and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PythonClients : ICollectionFixture<PythonGrpc>
{
    public const string Name = "python grpc";
}
