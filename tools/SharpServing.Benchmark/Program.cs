using System.Runtime.InteropServices;

namespace SharpServing.Benchmark;

internal static class Program
{
    private const string Usage = """
        SharpServing benchmark: load over gRPC (HTTP/2 h2c) and REST (HTTP/1.1), compared with its limits.

        Scenarios (start their own server from --server over a temporary servables folder, plus the floor):
          add        add.add_common over gRPC and REST vs the floor (Kestrel answering a canned reply)
                     --concurrency 1,64  --instances 1  --protocols grpc,rest
                     --baseline PATH/sharpserving.dll (another build under the same load, rows interleaved)
                     --isolation process (also a server whose add runs in a worker process: 'worker' rows after each row)
                     --metrics-compare (a second server of the same build with --no-metrics, rows interleaved:
                     the cost of recording metrics, in server CPU per request)
                     --metrics-compare --repeat N (N pairs, fresh servers each, alternating which runs first:
                     each pair's server CPU per request on / off and the median ratio; no floor rows)
                     --baseline PATH --repeat N (the same pairs: this build against another, both with metrics)
                     --repeat N --simultaneous (each pair's two servers loaded at the same time, one client each,
                     measured over the same seconds: a drift of the machine's load reaches both alike)
          add-v2     add.add_common on one server over MindSpore gRPC, V2 gRPC (raw contents), V2 REST JSON and V2 REST
                     binary tensors, interleaved: --concurrency 1,64
          ocr        ocr.detect vs det in process at the batch size the server formed; ocr.recognize vs det+cls+rec
                     --concurrency 1,4  --image FILE (default: rendered text, python3-pil)
                     --isolation process (then ocr.recognize in process and in a worker process at each concurrency)
                     --repeat N (N pairs of ocr.detect and det alone at each concurrency, every other one det alone
                     first: each pair's ratio and the median)
                     --blocks S (c=1: then N rounds of ocr.detect and det alone in alternating blocks of S seconds,
                     --duration of each a round: the two share the machine's seconds; each round's ratio and the median)
                     --no-jit-warmup (measure right after --warmup; by default detect and recognize are loaded in turn until
                     the server's JIT background compiler is quiet, at most a minute)
          batching   64 concurrent requests, MaxBatchSize 32 vs 1, each vs the Dense model in process at the batch size formed
                     --concurrency 64  --instances 1  --max-batch 32  --batch-delay-ms 0  --dense-in 1024 --dense-out 1024
                     --spin (ORT threads spin between runs, served and in process; default: they sleep, as servables do)
                     --no-adaptive-delay (with --batch-delay-ms 0: AdaptiveBatchDelay = false, never wait)
                     --intra-op N (both servables' IntraOpThreads; default 0: ONNX Runtime's choice, one per core)
                     --repeat N (N on/off pairs, every other one off first, each pair's ratio and the median, and
                     the median of the server's CPU per request off / on; no in-process rows)
                     --no-jit-warmup (measure right after --warmup; by default both servables are loaded in turn until
                     the server's JIT background compiler is quiet, at most a minute)
          cuda       add and the OCR detector (640x640) in process on CPU, then on CUDA when a GPU is usable (else says why)
                     --device-id 0  (build with SHARPSERVING_CUDA=1 ./bench.sh cuda for the CUDA provider)
          all        add, batching, ocr

        Tools:
          load             load a running server: --grpc ADDR | --rest ADDR, --server-pid PID, --payload SPEC,
                           --servable NAME --method NAME --instances N --concurrency 1,64
          floor            serve the floor alone: --grpc-port 5600 --layer-port 5601 --rest-port 5602 --instances 1
          write-grpc-body  --payload SPEC --out FILE: a framed PredictRequest for h2load -d FILE
          write-rest-body  --payload SPEC --out FILE: the RESTful JSON body for wrk or curl
          cross-core       once a second, the round trip of a cache line between two pinned threads (--cpus 0,1
                           --seconds 60): run it beside a benchmark to see where the machine's vCPUs sit (tens of ns:
                           sharing a core or its cache; hundreds: not)
          decode           ImageDecoder.Decode of one file in process, as a stage calls it (pixels in request memory):
                           --image FILE --order rgb|bgr --iterations 200 --rounds 9; ms per decode, MB/s, B allocated
          metrics-record   one add request's metric measurements N times in process, with no listener and with the
                           server's meter provider: CPU ns and bytes per request (--requests 2000000 --rounds 3 --batched;
                           --threads N: N threads record at once, the same series from every core)

        Common options:
          --duration 10 (s)  --warmup 2 (s)  --requests N (count instead of duration)  --connections 1 (gRPC)
          --json (JSON lines on stdout, table on stderr)  --server PATH/sharpserving.dll  --repo DIR
          --server-pid PID --grpc ADDR --rest ADDR (load a running server instead of starting one)
          --verbose-server VALUE (echo the children's output)
          --client-spin N (this tool's thread-pool spin limit; ocr and batching: 0, its idle workers sleep at once and
                     leave the shared cores to the server; the others: the runtime's default, 70; the servers it starts
                     keep the runtime's default)
          --payload: add | floats:INPUT:D1xD2 | bytes:INPUT:FILE
        """;

    private static async Task<int> Main(string[] args)
    {
        CommandLine line;
        try
        {
            line = CommandLine.Parse(args);
            SetClientSpinLimit(line);
        }
        catch (UsageException ex)
        {
            return UsageError(ex);
        }
        using var cancellation = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cancellation.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancellation.Cancel(); });
        try
        {
            if (line.Command is "help" or "--help" || line.Flag("help"))
            {
                Console.WriteLine(Usage);
                return 0;
            }
            return await RunAsync(line, cancellation.Token);
        }
        catch (UsageException ex)
        {
            return UsageError(ex);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("bench: cancelled");
            return 130;
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine($"bench: {ex.Message}");
            return 1;
        }
    }

    private static int UsageError(UsageException ex)
    {
        Console.Error.WriteLine($"bench: {ex.Message} (--help lists the options)");
        return 2;
    }

    /// <summary>
    /// The load generator's own thread pool, set before anything starts it. .NET lets an idle worker spin for more work
    /// before it sleeps (System.Threading.ThreadPool.UnfairSemaphoreSpinLimit, 70 by default). This tool shares the two
    /// cores with the server it measures, and in the model-bound scenarios its spinning workers took the cores of
    /// det's threads (ocr) and of the transport (batching): the rows measured the client as much as the server. So
    /// <c>ocr</c> and <c>batching</c> run with a limit of 0, where an idle worker sleeps at once. <c>add</c>, <c>add-v2</c>,
    /// <c>all</c>, <c>cuda</c> and <c>load</c> keep the default: at concurrency 1 the client's own wake-up would add to
    /// every row's latency. <c>--client-spin N</c> sets the limit for any of them. The servers this tool starts keep the
    /// runtime's default, the floor among them (this tool's own <c>floor</c> command, which is a server, never takes the
    /// option). DOTNET_ThreadPool_UnfairSemaphoreSpinLimit in the environment overrides this, and reaches those servers too.
    /// </summary>
    private static void SetClientSpinLimit(CommandLine line)
    {
        if (line.Command is "floor")
        {
            return;
        }
        var fallback = line.Command is "ocr" or "batching" ? 0 : -1;
        if (line.Int("client-spin", fallback, 0, 10000) is var limit and >= 0)
        {
            AppContext.SetData("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", limit);
        }
    }

    private static async Task<int> RunAsync(CommandLine line, CancellationToken cancellationToken)
    {
        switch (line.Command)
        {
            case "floor":
                return await FloorAsync(line, cancellationToken);
            case "metrics-record":
                return MetricsRecordBench.Run(line);
            case "cross-core":
                return CrossCoreProbe.Run(line, cancellationToken);
            case "decode":
                return DecodeBench.Run(line);
            case "write-grpc-body":
            case "write-rest-body":
                return WriteBody(line);
        }
        using var context = new BenchContext(line, cancellationToken);
        Func<BenchContext, Task> scenario = line.Command switch
        {
            "add" => AddScenario.RunAsync,
            "add-v2" => AddV2Scenario.RunAsync,
            "ocr" => OcrScenario.RunAsync,
            "batching" => BatchingScenario.RunAsync,
            "cuda" => CudaScenario.RunAsync,
            "all" => async c =>
            {
                await AddScenario.RunAsync(c);
                await BatchingScenario.RunAsync(c);
                await OcrScenario.RunAsync(c);
            },
            "load" => LoadAsync,
            _ => throw new UsageException($"unknown command '{line.Command}'"),
        };
        // Scenarios read their options lazily; a dry parse of every common option happens first so typos fail fast.
        LoadSettings.From(line, 1);
        _ = context.SessionOptions;
        await scenario(context);
        line.ThrowIfUnused();
        Console.Error.WriteLine();
        context.Report.WriteTable(line.Flag("json") ? Console.Error : Console.Out);
        return 0;
    }

    private static async Task LoadAsync(BenchContext context)
    {
        var line = context.Line;
        var payload = PayloadSpec.Parse(line);
        var concurrencies = line.Ints("concurrency", [1, 64]);
        var server = ServerTarget.Existing(line) ?? throw new UsageException("load needs --grpc ADDR or --rest ADDR (and --server-pid PID for CPU time)");
        var rest = line.Value("rest") is not null;
        foreach (var c in concurrencies)
        {
            using ILoadClient client = rest
                ? new RestLoadClient(new Uri(server.Rest, payload.RestPath), payload.RestBody, c)
                : new GrpcLoadClient(server.Grpc, payload.GrpcFrame, context.Connections, c);
            await context.RunAsync("load", $"{(rest ? "rest" : "grpc")} {payload.Servable}.{payload.Method}", client, c, payload.Instances, server.Pid, null);
        }
    }

    private static async Task<int> FloorAsync(CommandLine line, CancellationToken cancellationToken)
    {
        var grpc = line.Int("grpc-port", 5600, 1, 65535);
        var layer = line.Int("layer-port", 5601, 1, 65535);
        var rest = line.Int("rest-port", 5602, 1, 65535);
        var instances = line.Int("instances", 1, 1, 100_000);
        line.ThrowIfUnused();
        await using var floor = await FloorServer.StartAsync(grpc, layer, rest, instances, cancellationToken);
        Console.WriteLine($"{FloorServer.ReadyLine}: kestrel-grpc 127.0.0.1:{grpc}, grpc-layer 127.0.0.1:{layer}, kestrel-rest 127.0.0.1:{rest} (Ctrl+C stops)");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: stop serving.
        }
        return 0;
    }

    private static int WriteBody(CommandLine line)
    {
        var payload = PayloadSpec.Parse(line);
        var path = line.Value("out") ?? throw new UsageException("--out FILE is required");
        line.ThrowIfUnused();
        var grpc = line.Command == "write-grpc-body";
        File.WriteAllBytes(path, grpc ? payload.GrpcFrame : payload.RestBody);
        Console.Error.WriteLine($"wrote {(grpc ? payload.GrpcFrame.Length : payload.RestBody.Length)} bytes to {path} ({payload.Servable}.{payload.Method}, {payload.Instances} instance(s))");
        return 0;
    }
}
