using System.Diagnostics;

namespace SharpServing.Benchmark;

/// <summary>
/// Closed-loop load: <c>concurrency</c> workers, each sending its next request as soon as the last one is answered,
/// first for the warm-up (discarded), then for the measurement. Around the measurement it reads the CPU time of the
/// serving process with its children (the servable workers of <c>--isolation process</c>) and of this one, and the probe
/// in the serving process.
/// </summary>
internal static class LoadRunner
{
    public static async Task<LoadResult> RunAsync(
        string scenario, string target, ILoadClient client, LoadSettings settings, int instancesPerRequest,
        int? serverPid, string? probeSocket, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Warmup > TimeSpan.Zero)
        {
            await RunPhaseAsync(client, settings.Concurrency, settings.Warmup, 0, cancellationToken);
        }
        var probeBefore = await ProbeSnapshot.ReadAsync(probeSocket, cancellationToken);
        var serverBefore = serverPid is { } pid ? ProcStat.TreeCpuTime(pid) : null;
        var threadsBefore = serverPid is { } pid1 ? ProcStat.Threads(pid1) : null;
        var clientBefore = ProcStat.CpuTime(Environment.ProcessId);
        var phase = await RunPhaseAsync(client, settings.Concurrency, settings.Duration, settings.Requests, cancellationToken);
        var serverAfter = serverPid is { } pid2 ? ProcStat.TreeCpuTime(pid2) : null;
        var threadsAfter = serverPid is { } pid3 ? ProcStat.Threads(pid3) : null;
        var clientAfter = ProcStat.CpuTime(Environment.ProcessId);
        var probeAfter = await ProbeSnapshot.ReadAsync(probeSocket, cancellationToken);

        IReadOnlyDictionary<string, IReadOnlyDictionary<int, long>>? batches = null;
        IReadOnlyDictionary<string, double>? msPerRun = null;
        if (probeBefore is not null && probeAfter is not null)
        {
            batches = probeAfter.BatchesSince(probeBefore);
            msPerRun = probeAfter.MsPerRunSince(probeBefore, batches);
        }
        var latency = phase.Latency;
        var ok = latency.Count;
        double? PerRequest(TimeSpan? before, TimeSpan? after) =>
            before is { } b && after is { } a && ok > 0 ? (a - b).TotalMilliseconds / ok : null;
        return new LoadResult
        {
            Scenario = scenario,
            Target = target,
            Protocol = client.Protocol,
            Concurrency = settings.Concurrency,
            InstancesPerRequest = instancesPerRequest,
            Requests = ok,
            Errors = phase.Errors,
            Seconds = phase.Elapsed.TotalSeconds,
            MeanMs = ok > 0 ? latency.Sum / ok / 1e6 : 0,
            P50Ms = latency.Percentile(50) / 1e6,
            P90Ms = latency.Percentile(90) / 1e6,
            P99Ms = latency.Percentile(99) / 1e6,
            MaxMs = latency.Max / 1e6,
            ServerCpuMsPerRequest = PerRequest(serverBefore, serverAfter),
            ClientCpuMsPerRequest = PerRequest(clientBefore, clientAfter),
            ServerAllocatedBytesPerRequest = probeBefore is not null && probeAfter is not null && ok > 0
                ? (probeAfter.Allocated - probeBefore.Allocated) / (double)ok : null,
            ServerGen0 = probeAfter?.Gen0 - probeBefore?.Gen0,
            ServerGen1 = probeAfter?.Gen1 - probeBefore?.Gen1,
            ServerGen2 = probeAfter?.Gen2 - probeBefore?.Gen2,
            Batches = batches,
            ModelMsPerRun = msPerRun,
            ServerThreads = threadsBefore is { Count: > 0 } && threadsAfter is { Count: > 0 } ? ThreadUsage.Between(threadsBefore, threadsAfter) : null,
            FirstError = phase.FirstError,
            LoadAverage = ProcStat.LoadAverage(),
        };
    }

    private static async Task<Phase> RunPhaseAsync(ILoadClient client, int concurrency, TimeSpan duration, long requests, CancellationToken cancellationToken)
    {
        var phase = new Phase(concurrency, requests);
        var start = Stopwatch.GetTimestamp();
        var workers = new Task[concurrency];
        for (var w = 0; w < concurrency; w++)
        {
            var worker = w;
            workers[w] = Task.Run(() => WorkerAsync(client, phase, worker, cancellationToken), cancellationToken);
        }
        if (requests <= 0)
        {
            var all = Task.WhenAll(workers);
            await Task.WhenAny(all, Task.Delay(duration, cancellationToken));
            phase.Stop = true;
        }
        await Task.WhenAll(workers);
        phase.Elapsed = Stopwatch.GetElapsedTime(start);
        return phase;
    }

    private static async Task WorkerAsync(ILoadClient client, Phase phase, int worker, CancellationToken cancellationToken)
    {
        var histogram = phase.Histograms[worker];
        long errors = 0;
        while (!phase.Stop)
        {
            if (phase.Limited && Interlocked.Decrement(ref phase.Remaining) < 0)
            {
                break;
            }
            var start = Stopwatch.GetTimestamp();
            bool ok;
            try
            {
                ok = await client.SendAsync(worker, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException or ArgumentException or SharpServing.Engine.ModelRuntimeException)
            {
                phase.SetFirstError(ex);
                ok = false;
            }
            var nanoseconds = (long)((Stopwatch.GetTimestamp() - start) * (1e9 / Stopwatch.Frequency));
            if (ok)
            {
                histogram.Record(nanoseconds);
            }
            else
            {
                errors++;
                phase.SetFirstError(null);
            }
        }
        Interlocked.Add(ref phase.ErrorCount, errors);
    }

    private sealed class Phase(int concurrency, long requests)
    {
        public readonly LatencyHistogram[] Histograms = [.. Enumerable.Range(0, concurrency).Select(_ => new LatencyHistogram())];
        public readonly bool Limited = requests > 0;
        public long Remaining = requests;
        public long ErrorCount;
        public volatile bool Stop;
        private string? _firstError;

        public TimeSpan Elapsed { get; set; }

        public long Errors => Interlocked.Read(ref ErrorCount);

        public string? FirstError => _firstError;

        public LatencyHistogram Latency
        {
            get
            {
                var all = new LatencyHistogram();
                foreach (var h in Histograms)
                {
                    all.Add(h);
                }
                return all;
            }
        }

        public void SetFirstError(Exception? ex) =>
            Interlocked.CompareExchange(ref _firstError, ex is null ? "the reply carried an error (status or error_msg)" : $"{ex.GetType().Name}: {ex.Message}", null);
    }
}
