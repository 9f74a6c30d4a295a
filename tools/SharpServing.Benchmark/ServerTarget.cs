namespace SharpServing.Benchmark;

/// <summary>
/// A SharpServing server to load: started here as a child (<c>dotnet sharpserving.dll serve</c> on loopback ports
/// picked here, with the probe hooked in) over a servables folder, or one already running (<c>--server-pid</c>,
/// <c>--grpc</c>, <c>--rest</c>).
/// </summary>
internal sealed class ServerTarget : IDisposable
{
    private readonly ChildProcess? _child;

    private ServerTarget(ChildProcess? child, int? pid, Uri grpc, Uri rest)
    {
        _child = child;
        Pid = pid;
        Grpc = grpc;
        Rest = rest;
    }

    public int? Pid { get; }

    public Uri Grpc { get; }

    public Uri Rest { get; }

    public string? ProbeSocket => _child?.ProbeSocket;

    /// <summary>The server the command line names (<c>--server-pid</c> with <c>--grpc</c>/<c>--rest</c>), or null to start one.</summary>
    public static ServerTarget? Existing(CommandLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var pid = line.Value("server-pid");
        var grpc = line.Value("grpc");
        var rest = line.Value("rest");
        if (pid is null && grpc is null && rest is null)
        {
            return null;
        }
        return new ServerTarget(null, pid is null ? null : int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture),
            ToUri(grpc ?? "127.0.0.1:5500"), ToUri(rest ?? "127.0.0.1:1500"));
    }

    /// <summary>Starts <paramref name="serverDll"/> over <paramref name="servables"/> and waits until both front ends listen.</summary>
    public static async Task<ServerTarget> StartAsync(string serverDll, string servables, CancellationToken cancellationToken,
        params string[] extraArguments)
    {
        if (!File.Exists(serverDll))
        {
            throw new UsageException($"no server at {serverDll}: build it (./bench.sh does) or pass --server PATH/sharpserving.dll");
        }
        int grpcPort = ChildProcess.FreePort(), restPort = ChildProcess.FreePort();
        var (dotnet, _) = ChildProcess.Self();
        string[] args = [serverDll, "serve", "--servables", servables, "--grpc", $"127.0.0.1:{grpcPort}", "--rest", $"127.0.0.1:{restPort}", .. extraArguments];
        Console.Error.WriteLine($"starting: {dotnet} {ChildProcess.Describe(args)}");
        var child = ChildProcess.Start(dotnet, args);
        try
        {
            await child.WaitForLinesAsync(["Serving gRPC server start success", "Serving RESTful server start success"],
                TimeSpan.FromMinutes(3), cancellationToken);
        }
        catch
        {
            child.Dispose();
            throw;
        }
        return new ServerTarget(child, child.Pid, ToUri($"127.0.0.1:{grpcPort}"), ToUri($"127.0.0.1:{restPort}"));
    }

    /// <summary>Sends <paramref name="payload"/> over gRPC until it succeeds (the servables may still be loading).</summary>
    public async Task WaitUntilServingAsync(Payload payload, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        using var client = new GrpcLoadClient(Grpc, payload.GrpcFrame, 1, 1);
        var deadline = DateTime.UtcNow + timeout;
        string last = "no reply";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await client.SendAsync(0, cancellationToken))
                {
                    return;
                }
                last = "an error reply";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            if (_child is { HasExited: true })
            {
                break;
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new InvalidOperationException($"{payload.Servable}.{payload.Method} did not succeed within {timeout.TotalSeconds:0} s ({last}). Server output:\n{_child?.Tail()}");
    }

    public void Dispose() => _child?.Dispose();

    internal static Uri ToUri(string address) =>
        address.StartsWith("http", StringComparison.Ordinal) ? new Uri(address) : new Uri($"http://{address}");
}
