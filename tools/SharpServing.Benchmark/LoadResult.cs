namespace SharpServing.Benchmark;

/// <summary>One measured row: throughput, latency, errors, and the CPU and memory the serving side spent per request.</summary>
internal sealed record LoadResult
{
    public required string Scenario { get; init; }

    /// <summary>What was measured, e.g. <c>server grpc</c>, <c>floor kestrel grpc</c>, <c>ort in-process det</c>.</summary>
    public required string Target { get; init; }

    public required string Protocol { get; init; }

    public required int Concurrency { get; init; }

    public int Connections { get; init; } = 1;

    public required int InstancesPerRequest { get; init; }

    public required long Requests { get; init; }

    public required long Errors { get; init; }

    public required double Seconds { get; init; }

    public double RequestsPerSecond => Seconds > 0 ? Requests / Seconds : 0;

    public double InstancesPerSecond => RequestsPerSecond * InstancesPerRequest;

    public required double MeanMs { get; init; }

    public required double P50Ms { get; init; }

    public required double P90Ms { get; init; }

    public required double P99Ms { get; init; }

    public required double MaxMs { get; init; }

    /// <summary>CPU (user + system) the serving process spent per successful request, in ms; null when unknown.</summary>
    public double? ServerCpuMsPerRequest { get; init; }

    /// <summary>CPU the benchmark process spent per request, in ms (the load generator; for in-process rows, everything).</summary>
    public double? ClientCpuMsPerRequest { get; init; }

    /// <summary>Bytes the serving process allocated per request (from the probe); null without it.</summary>
    public double? ServerAllocatedBytesPerRequest { get; init; }

    public int? ServerGen0 { get; init; }

    public int? ServerGen1 { get; init; }

    public int? ServerGen2 { get; init; }

    /// <summary>Model runs by batch size during the measurement, per model (from the probe).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<int, long>>? Batches { get; init; }

    /// <summary>Mean wall milliseconds per run of each model inside the server (from the probe).</summary>
    public IReadOnlyDictionary<string, double>? ModelMsPerRun { get; init; }

    /// <summary>The server's threads over the measurement: CPU by kind, pool size, context switches (null without a pid).</summary>
    public ThreadUsage? ServerThreads { get; init; }

    /// <summary>Model runs (all models) per successful request; null without the probe.</summary>
    public double? RunsPerRequest => Batches is null || Requests == 0 ? null : Batches.Values.Sum(m => m.Values.Sum()) / (double)Requests;

    /// <summary>Wall milliseconds of model runs (all models) per request: the run time each request's share of runs took.</summary>
    public double? ModelMsPerRequest => Batches is null || ModelMsPerRun is null || Requests == 0
        ? null
        : Batches.Sum(m => m.Value.Values.Sum() * ModelMsPerRun.GetValueOrDefault(m.Key)) / Requests;

    /// <summary>Context switches (voluntary + involuntary) of the server's threads per request.</summary>
    public double? SwitchesPerRequest => ServerThreads is { } t && Requests > 0 ? (t.VoluntarySwitches + t.InvoluntarySwitches) / (double)Requests : null;

    /// <summary>
    /// Server CPU per request outside the model: what the process spent less the model runs' wall time (the thread that
    /// runs a model is busy for it) and ONNX Runtime's worker threads: the transport, dispatch, batching and idle spinning.
    /// </summary>
    public double? OutsideModelCpuMsPerRequest => ServerCpuMsPerRequest is { } cpu && ModelMsPerRequest is { } model && ServerThreads is { } t && Requests > 0
        ? cpu - model - (t.Runtime.TotalMilliseconds / Requests)
        : null;

    /// <summary>The thread summary, e.g. <c>pool 0.081 ort 0.012 other 0.004 ms/req, 9 pool threads, 14.2 cs/req (3.1 involuntary)</c>.</summary>
    public string ThreadSummary => ServerThreads is not { } t || Requests == 0
        ? ""
        : string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"pool {t.Pool.TotalMilliseconds / Requests:0.000} ort {t.Runtime.TotalMilliseconds / Requests:0.000} other {t.Other.TotalMilliseconds / Requests:0.000}{(t.BusiestOther is null ? "" : $" (most: {t.BusiestOther} {t.BusiestOtherCpu.TotalMilliseconds / Requests:0.000})")} ms/req, {t.PoolThreads} pool threads, {SwitchesPerRequest:0.0} cs/req ({t.InvoluntarySwitches / (double)Requests:0.0} involuntary)");

    /// <summary>Mean milliseconds per model run, e.g. <c>det.onnx:9.81</c>.</summary>
    public string RunSummary => ModelMsPerRun is null || ModelMsPerRun.Count == 0
        ? ""
        : string.Join(" ", ModelMsPerRun.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m =>
            $"{ShortModel(m.Key)}:{m.Value.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)}"));

    /// <summary>The row this one is compared with (its <see cref="Target"/>), and the throughput ratio to it.</summary>
    public string? Limit { get; init; }

    public double? RatioToLimit { get; init; }

    public string? FirstError { get; init; }

    /// <summary>The machine's 1-minute load average when the row ended (other work on the machine skews every figure).</summary>
    public double? LoadAverage { get; init; }

    public string? Note { get; init; }

    /// <summary>The mean real instances per run of the model whose key contains <paramref name="model"/>, rounded; 1 when unknown.</summary>
    public int MeanBatch(string model)
    {
        var runs = Batches?.FirstOrDefault(b => b.Key.Contains(model, StringComparison.Ordinal)).Value;
        if (runs is null || runs.Count == 0)
        {
            return 1;
        }
        var mean = runs.Sum(r => (double)r.Key * r.Value) / runs.Values.Sum();
        return Math.Max(1, (int)Math.Round(mean));
    }

    /// <summary>Mean real instances per run of each model, e.g. <c>dense:31.2</c>.</summary>
    public string BatchSummary => Batches is null || Batches.Count == 0
        ? ""
        : string.Join(" ", Batches.Select(m =>
        {
            var runs = m.Value.Values.Sum();
            var instances = m.Value.Sum(b => (double)b.Key * b.Value);
            return $"{ShortModel(m.Key)}:{instances / runs:0.0}";
        }));

    private static string ShortModel(string key)
    {
        var slash = key.LastIndexOfAny(['/', ':']);
        return slash >= 0 ? key[(slash + 1)..] : key;
    }
}
