using System.Diagnostics;
using System.Globalization;

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
        var ports = ChildProcess.FreePorts(2);
        int grpcPort = ports[0], restPort = ports[1];
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

    /// <summary>
    /// Runs each load of <paramref name="loads"/> in turn, a second each, until the server's JIT is quiet: its background
    /// compiler (the thread <c>.NET Tiered Com</c>) spends under 20 ms in a round, or a minute has passed. A fresh server
    /// recompiles its hot paths for tens of seconds on two busy cores; a row measured meanwhile shares the cores with the
    /// compiler and runs partly unoptimized code, and whichever row came first looked slow.
    /// </summary>
    public static async Task WarmUntilJitQuietAsync(int pid, int concurrency, IReadOnlyList<Func<ILoadClient>> loads, CancellationToken cancellationToken)
    {
        var round = new LoadSettings(concurrency, TimeSpan.FromSeconds(1), 0, TimeSpan.Zero);
        var started = Stopwatch.GetTimestamp();
        for (var n = 1; ; n++)
        {
            var before = JitCpu(pid);
            foreach (var load in loads)
            {
                using var client = load();
                await LoadRunner.RunAsync("warm-up", "warm-up", client, round, 1, null, null, cancellationToken);
            }
            var jit = JitCpu(pid) - before;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  warm-up round {n} (pid {pid}): JIT background compiler {jit.TotalMilliseconds:0} ms"));
            // Never quiet after the first round: the compiler starts only once call counts pass the tiering threshold.
            if ((n > 1 && jit < TimeSpan.FromMilliseconds(20)) || Stopwatch.GetElapsedTime(started) > TimeSpan.FromMinutes(1))
            {
                return;
            }
        }

        static TimeSpan JitCpu(int pid) =>
            ProcStat.Threads(pid).Where(t => t.Name.StartsWith(".NET Tiered Com", StringComparison.Ordinal)).Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Cpu);
    }

    public void Dispose() => _child?.Dispose();

    internal static Uri ToUri(string address) =>
        address.StartsWith("http", StringComparison.Ordinal) ? new Uri(address) : new Uri($"http://{address}");
}
