namespace SharpServing.Benchmark;

/// <summary>
/// add.add_common (two float32 [2, 2] inputs) over gRPC and REST, against the floor: the same load on Kestrel answering
/// a canned reply (and, for gRPC, through our gRPC layer with a canned reply). With <c>--baseline PATH/sharpserving.dll</c>
/// a second server (another build, e.g. the commit before a change) takes the same load in the same run, each of its rows
/// right before the matching row of the server under test, so both meet the same machine state. With
/// <c>--isolation process</c> a server whose add runs in a worker process takes the same load right after each row.
/// <c>--metrics-compare</c> the second server is the same build started with <c>--no-metrics</c> (rows "no-metrics"):
/// the server rows then carry the cost of recording the metrics; with <c>--repeat N</c> (N ≥ 2) it runs N such pairs on
/// fresh servers instead (<see cref="MetricsCompare"/>), as it does for <c>--baseline PATH --repeat N</c>.
/// </summary>
internal static class AddScenario
{
    public static async Task RunAsync(BenchContext context)
    {
        var line = context.Line;
        var concurrencies = line.Ints("concurrency", [1, 64]);
        var instances = line.Int("instances", 1, 1, 100_000);
        var protocols = line.Value("protocols", "grpc,rest").Split(',', StringSplitOptions.TrimEntries);
        var payload = Payload.Add(instances);
        var repeat = line.Int("repeat", 1, 1, 100);
        if (repeat > 1)
        {
            if (line.Flag("metrics-compare") == (line.Value("baseline") is not null))
            {
                throw new UsageException("--repeat N repeats the --metrics-compare or the --baseline pairs: give one of them");
            }
            await MetricsCompare.RunAsync(context, payload, concurrencies, protocols, instances, repeat, line.Value("baseline"));
            return;
        }
        using var floor = await FloorTarget.StartAsync(instances, context.CancellationToken);
        using var server = await context.ServerAsync(() => context.ServablesWith("add"));
        await server.WaitUntilServingAsync(payload, TimeSpan.FromMinutes(2), context.CancellationToken);
        var restUri = new Uri(server.Rest, payload.RestPath);
        var baselineDll = line.Value("baseline");
        var metricsCompare = line.Flag("metrics-compare");
        if (metricsCompare && baselineDll is not null)
        {
            throw new UsageException("--metrics-compare and --baseline each start the second server: give one of them");
        }
        var baselineName = metricsCompare ? "no-metrics" : "baseline";
        using var baseline = metricsCompare
            ? await ServerTarget.StartAsync(context.ServerDll, context.ServablesWith("add"), context.CancellationToken, "--no-metrics")
            : baselineDll is null
                ? null
                : await ServerTarget.StartAsync(Path.GetFullPath(baselineDll), context.ServablesWith("add"), context.CancellationToken);
        if (baseline is not null)
        {
            await baseline.WaitUntilServingAsync(payload, TimeSpan.FromMinutes(2), context.CancellationToken);
        }
        using var worker = await context.WorkerServerAsync(() => context.ServablesWith("add"));
        if (worker is not null)
        {
            await worker.WaitUntilServingAsync(payload, TimeSpan.FromMinutes(2), context.CancellationToken);
        }
        foreach (var target in new[] { baseline, server, worker })
        {
            if (target is not null)
            {
                await WarmAsync(context, target, payload, concurrencies.Max());
            }
        }
        foreach (var c in concurrencies)
        {
            if (protocols.Contains("grpc"))
            {
                LoadResult limit;
                using (var client = new GrpcLoadClient(floor.KestrelGrpc, payload.GrpcFrame, context.Connections, c))
                {
                    limit = await context.RunAsync("add", "floor kestrel-grpc", client, c, instances, floor.Pid, floor.ProbeSocket);
                }
                using (var client = new GrpcLoadClient(floor.GrpcLayer, payload.GrpcFrame, context.Connections, c))
                {
                    await context.RunAsync("add", "floor grpc-layer", client, c, instances, floor.Pid, floor.ProbeSocket, limit);
                }
                if (baseline is not null)
                {
                    using var client = new GrpcLoadClient(baseline.Grpc, payload.GrpcFrame, context.Connections, c);
                    await context.RunAsync("add", $"{baselineName} grpc", client, c, instances, baseline.Pid, baseline.ProbeSocket, limit);
                }
                using (var client = new GrpcLoadClient(server.Grpc, payload.GrpcFrame, context.Connections, c))
                {
                    await context.RunAsync("add", "server grpc", client, c, instances, server.Pid, server.ProbeSocket, limit);
                }
                if (worker is not null)
                {
                    using var client = new GrpcLoadClient(worker.Grpc, payload.GrpcFrame, context.Connections, c);
                    await context.RunAsync("add", "worker grpc", client, c, instances, worker.Pid, worker.ProbeSocket, limit);
                }
            }
            if (protocols.Contains("rest"))
            {
                LoadResult limit;
                using (var client = new RestLoadClient(new Uri(floor.KestrelRest, payload.RestPath), payload.RestBody, c))
                {
                    limit = await context.RunAsync("add", "floor kestrel-rest", client, c, instances, floor.Pid, floor.ProbeSocket);
                }
                if (baseline is not null)
                {
                    using var client = new RestLoadClient(new Uri(baseline.Rest, payload.RestPath), payload.RestBody, c);
                    await context.RunAsync("add", $"{baselineName} rest", client, c, instances, baseline.Pid, baseline.ProbeSocket, limit);
                }
                using (var client = new RestLoadClient(restUri, payload.RestBody, c))
                {
                    await context.RunAsync("add", "server rest", client, c, instances, server.Pid, server.ProbeSocket, limit);
                }
                if (worker is not null)
                {
                    using var client = new RestLoadClient(new Uri(worker.Rest, payload.RestPath), payload.RestBody, c);
                    await context.RunAsync("add", "worker rest", client, c, instances, worker.Pid, worker.ProbeSocket, limit);
                }
            }
        }
    }

    /// <summary>
    /// Loads <paramref name="server"/> over gRPC and REST until its JIT is quiet (unless <c>--no-jit-warmup</c>), so no
    /// row is measured while the server still recompiles its hot paths.
    /// </summary>
    internal static Task WarmAsync(BenchContext context, ServerTarget server, Payload payload, int concurrency)
        => server.Pid is { } pid && !context.Line.Flag("no-jit-warmup")
            ? ServerTarget.WarmUntilJitQuietAsync(pid, concurrency, [
                () => new GrpcLoadClient(server.Grpc, payload.GrpcFrame, context.Connections, concurrency),
                () => new RestLoadClient(new Uri(server.Rest, payload.RestPath), payload.RestBody, concurrency)], context.CancellationToken)
            : Task.CompletedTask;
}
