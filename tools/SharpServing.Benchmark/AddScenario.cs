namespace SharpServing.Benchmark;

/// <summary>
/// add.add_common (two float32 [2, 2] inputs) over gRPC and REST, against the floor: the same load on Kestrel answering
/// a canned reply (and, for gRPC, through our gRPC layer with a canned reply).
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
        using var floor = await FloorTarget.StartAsync(instances, context.CancellationToken);
        using var server = await context.ServerAsync(() => context.ServablesWith("add"));
        await server.WaitUntilServingAsync(payload, TimeSpan.FromMinutes(2), context.CancellationToken);
        var restUri = new Uri(server.Rest, payload.RestPath);
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
                using (var client = new GrpcLoadClient(server.Grpc, payload.GrpcFrame, context.Connections, c))
                {
                    await context.RunAsync("add", "server grpc", client, c, instances, server.Pid, server.ProbeSocket, limit);
                }
            }
            if (protocols.Contains("rest"))
            {
                LoadResult limit;
                using (var client = new RestLoadClient(new Uri(floor.KestrelRest, payload.RestPath), payload.RestBody, c))
                {
                    limit = await context.RunAsync("add", "floor kestrel-rest", client, c, instances, floor.Pid, floor.ProbeSocket);
                }
                using (var client = new RestLoadClient(restUri, payload.RestBody, c))
                {
                    await context.RunAsync("add", "server rest", client, c, instances, server.Pid, server.ProbeSocket, limit);
                }
            }
        }
    }
}
