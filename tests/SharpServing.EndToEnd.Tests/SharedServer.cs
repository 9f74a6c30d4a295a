using SharpServing.EndToEnd.Tests.Infrastructure;

namespace SharpServing.EndToEnd.Tests;

/// <summary>One real server process over the example servables, shared by every test class of its collection.</summary>
public sealed class SharedServer : IAsyncLifetime
{
    public const string Collection = "shared server";

    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public string GrpcAddress => Server.GrpcAddress;

    public string RestAddress => Server.RestAddress;

    public async Task InitializeAsync() => _server = await ServerProcess.ServeAsync(["--servables", RepoPaths.Servables]);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(SharedServer.Collection)]
public sealed class SharedServerDefinition : ICollectionFixture<SharedServer>;
