using System.Globalization;

namespace SharpServing.Benchmark;

/// <summary>
/// <c>add --metrics-compare --repeat N</c>: N pairs of the same load on two fresh servers of the same build, one with
/// metrics (the default) and one with <c>--no-metrics</c>; <c>add --baseline PATH --repeat N</c>: the same with the
/// second server another build (metrics on in both). Each pair starts both servers anew (so one process's luck with
/// JIT, thread placement and memory layout is not counted N times) and alternates which of the two runs first (so a drift
/// of the machine's load cancels out). Reports each pair's server CPU per request on / off and the median ratio: on a
/// noisy machine the median of several pairs, not one pair, settles a difference of a few per cent.
/// </summary>
internal static class MetricsCompare
{
    public static async Task RunAsync(BenchContext context, Payload payload, IReadOnlyList<int> concurrencies, IReadOnlyList<string> protocols,
        int instances, int repeat, string? baselineDll)
    {
        var pairs = new List<Pair>();
        var second = baselineDll is null ? "no-metrics" : "baseline";
        var simultaneous = context.Line.Flag("simultaneous");
        for (var index = 0; index < repeat; index++)
        {
            var metricsFirst = index % 2 == 1;
            using var on = await ServerTarget.StartAsync(context.ServerDll, context.ServablesWith("add"), context.CancellationToken);
            using var off = baselineDll is null
                ? await ServerTarget.StartAsync(context.ServerDll, context.ServablesWith("add"), context.CancellationToken, "--no-metrics")
                : await ServerTarget.StartAsync(Path.GetFullPath(baselineDll), context.ServablesWith("add"), context.CancellationToken);
            await on.WaitUntilServingAsync(payload, TimeSpan.FromMinutes(2), context.CancellationToken);
            await off.WaitUntilServingAsync(payload, TimeSpan.FromMinutes(2), context.CancellationToken);
            await AddScenario.WarmAsync(context, on, payload, concurrencies.Max());
            await AddScenario.WarmAsync(context, off, payload, concurrencies.Max());
            foreach (var c in concurrencies)
            {
                foreach (var protocol in protocols)
                {
                    LoadResult? offRow = null, onRow = null;
                    if (simultaneous)
                    {
                        (onRow, offRow) = await RunTogetherAsync(context, on, off, second, payload, protocol, c, instances, index + 1);
                        pairs.Add(new Pair(protocol, c, index + 1, offRow, onRow));
                        continue;
                    }
                    foreach (var metrics in metricsFirst ? new[] { true, false } : [false, true])
                    {
                        var server = metrics ? on : off;
                        var target = $"{(metrics ? "server" : second)} {protocol} #{index + 1}";
                        using var client = Client(context, server, payload, protocol, c);
                        var row = await context.RunAsync("add", target, client, c, instances, server.Pid, server.ProbeSocket);
                        (metrics ? ref onRow : ref offRow) = row;
                    }
                    pairs.Add(new Pair(protocol, c, index + 1, offRow!, onRow!));
                }
            }
        }
        foreach (var line in Summary(pairs, second, simultaneous))
        {
            context.Report.AddNote(line);
        }
    }

    /// <summary>
    /// Both servers under the same load at the same time (<c>--simultaneous</c>): one client per server, each with
    /// <paramref name="concurrency"/> workers, started together and measured over the same seconds, so a change in the
    /// machine's load during the row reaches both alike. Each row's client CPU is the benchmark process's, shared by both.
    /// </summary>
    private static async Task<(LoadResult On, LoadResult Off)> RunTogetherAsync(BenchContext context, ServerTarget on, ServerTarget off,
        string second, Payload payload, string protocol, int concurrency, int instances, int index)
    {
        var settings = LoadSettings.From(context.Line, concurrency);
        using var onClient = Client(context, on, payload, protocol, concurrency);
        using var offClient = Client(context, off, payload, protocol, concurrency);
        var onRun = LoadRunner.RunAsync("add", $"server {protocol} #{index} (together)", onClient, settings, instances, on.Pid, on.ProbeSocket, context.CancellationToken);
        var offRun = LoadRunner.RunAsync("add", $"{second} {protocol} #{index} (together)", offClient, settings, instances, off.Pid, off.ProbeSocket, context.CancellationToken);
        await Task.WhenAll(onRun, offRun);
        var connections = protocol == "grpc" ? context.Connections : 1;
        var onRow = context.Report.Add(onRun.Result with { Connections = connections });
        var offRow = context.Report.Add(offRun.Result with { Connections = connections });
        return (onRow, offRow);
    }

    /// <summary>A client of add on <paramref name="server"/> over <paramref name="protocol"/>.</summary>
    private static ILoadClient Client(BenchContext context, ServerTarget server, Payload payload, string protocol, int concurrency)
        => protocol == "grpc"
            ? new GrpcLoadClient(server.Grpc, payload.GrpcFrame, context.Connections, concurrency)
            : new RestLoadClient(new Uri(server.Rest, payload.RestPath), payload.RestBody, concurrency);

    private static IEnumerable<string> Summary(List<Pair> pairs, string second, bool simultaneous)
    {
        var what = second == "baseline" ? "server / baseline" : "metrics on / off";
        var ratio = second == "baseline" ? "server/baseline" : "on/off";
        yield return simultaneous
            ? $"{what}, server CPU µs per request (fresh servers each pair, both loaded at the same time):"
            : $"{what}, server CPU µs per request (fresh servers each pair; pairs #2, #4, ... ran the server first):";
        foreach (var group in pairs.GroupBy(p => (p.Protocol, p.Concurrency)))
        {
            var each = string.Join(", ", group.Select(p => $"#{p.Index} {Us(p.On.ServerCpuMsPerRequest)} / {Us(p.Off.ServerCpuMsPerRequest)}"
                + (p.Ratio is { } r ? $" = {r.ToString("0.000", CultureInfo.InvariantCulture)}" : "")));
            var ratios = group.Select(p => p.Ratio).OfType<double>().ToList();
            var median = ratios.Count == 0 ? "n/a" : Median(ratios).ToString("0.000", CultureInfo.InvariantCulture);
            var bytes = group.Select(p => (p.On.ServerAllocatedBytesPerRequest, p.Off.ServerAllocatedBytesPerRequest))
                .Where(b => b.Item1 is not null && b.Item2 is not null).ToList();
            var allocation = bytes.Count == 0 ? "" :
                $"; allocation B/req median {Median(bytes.Select(b => b.Item1!.Value).ToList()):0} / {Median(bytes.Select(b => b.Item2!.Value).ToList()):0}";
            yield return $"  {group.Key.Protocol} c={group.Key.Concurrency}: median {ratio} {median} ({each}){allocation}";
        }
    }

    private static string Us(double? ms) => ms is { } v ? (v * 1000).ToString("0.0", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>The median of <paramref name="values"/> (sorted in place).</summary>
    internal static double Median(List<double> values)
    {
        values.Sort();
        var middle = values.Count / 2;
        return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }

    /// <summary>"median of N: Mx (min Ax, max Bx)" for <paramref name="values"/> (sorted in place), each figure in
    /// <paramref name="format"/>.</summary>
    internal static string MedianLine(List<double> values, string format)
    {
        var median = Median(values);
        return string.Create(CultureInfo.InvariantCulture,
            $"median of {values.Count}: {median.ToString(format, CultureInfo.InvariantCulture)}x (min {values[0].ToString(format, CultureInfo.InvariantCulture)}x, max {values[^1].ToString(format, CultureInfo.InvariantCulture)}x)");
    }

    private sealed record Pair(string Protocol, int Concurrency, int Index, LoadResult Off, LoadResult On)
    {
        public double? Ratio => On.ServerCpuMsPerRequest is { } on && Off.ServerCpuMsPerRequest is { } off && off > 0 ? on / off : null;
    }
}
