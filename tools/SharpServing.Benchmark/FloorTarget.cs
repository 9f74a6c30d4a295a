namespace SharpServing.Benchmark;

/// <summary>The floor server (<see cref="FloorServer"/>) in a child process of its own, with the probe hooked in.</summary>
internal sealed class FloorTarget : IDisposable
{
    private readonly ChildProcess _child;

    private FloorTarget(ChildProcess child, int grpcPort, int layerPort, int restPort)
    {
        _child = child;
        KestrelGrpc = ServerTarget.ToUri($"127.0.0.1:{grpcPort}");
        GrpcLayer = ServerTarget.ToUri($"127.0.0.1:{layerPort}");
        KestrelRest = ServerTarget.ToUri($"127.0.0.1:{restPort}");
    }

    public Uri KestrelGrpc { get; }

    public Uri GrpcLayer { get; }

    public Uri KestrelRest { get; }

    public int Pid => _child.Pid;

    public string ProbeSocket => _child.ProbeSocket;

    public static async Task<FloorTarget> StartAsync(int instances, CancellationToken cancellationToken)
    {
        var ports = ChildProcess.FreePorts(3);
        int grpc = ports[0], layer = ports[1], rest = ports[2];
        var (fileName, prefix) = ChildProcess.Self();
        string[] args = [.. prefix, "floor", "--grpc-port", $"{grpc}", "--layer-port", $"{layer}", "--rest-port", $"{rest}", "--instances", $"{instances}"];
        var child = ChildProcess.Start(fileName, args);
        try
        {
            await child.WaitForLinesAsync([FloorServer.ReadyLine], TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch
        {
            child.Dispose();
            throw;
        }
        return new FloorTarget(child, grpc, layer, rest);
    }

    public void Dispose() => _child.Dispose();
}
