namespace SharpServing.Benchmark;

/// <summary>
/// Where a server's CPU went during a measurement, by thread: the .NET thread pool (the transport, the engine's stages
/// and the model runs it starts), ONNX Runtime's own worker threads (named after the servable loader thread that opened
/// the session: <c>load NAME</c>), and the rest (the busiest of them named: e.g. <c>.NET Tiered Com</c>, the JIT's
/// background compiler while a fresh server warms up); with the context switches of all of them.
/// </summary>
internal sealed record ThreadUsage(TimeSpan Pool, TimeSpan Runtime, TimeSpan Other, int PoolThreads, int Threads, long VoluntarySwitches,
    long InvoluntarySwitches, string? BusiestOther, TimeSpan BusiestOtherCpu)
{
    /// <summary>The change between two samples of the same process's threads (<see cref="ProcStat.Threads"/>).</summary>
    public static ThreadUsage Between(IReadOnlyList<ThreadStat> before, IReadOnlyList<ThreadStat> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var earlier = before.ToDictionary(t => t.Id);
        TimeSpan pool = TimeSpan.Zero, runtime = TimeSpan.Zero, other = TimeSpan.Zero;
        long voluntary = 0, involuntary = 0;
        var poolThreads = 0;
        var busiest = (Name: (string?)null, Cpu: TimeSpan.Zero);
        foreach (var thread in after)
        {
            // A thread started during the measurement counts from zero.
            var start = earlier.GetValueOrDefault(thread.Id) is { } old && old.Name == thread.Name
                ? old
                : new ThreadStat(thread.Id, thread.Name, TimeSpan.Zero, 0, 0);
            var cpu = thread.Cpu - start.Cpu;
            voluntary += thread.VoluntarySwitches - start.VoluntarySwitches;
            involuntary += thread.InvoluntarySwitches - start.InvoluntarySwitches;
            if (thread.Name.StartsWith(".NET TP Worker", StringComparison.Ordinal))
            {
                pool += cpu;
                poolThreads++;
            }
            else if (thread.Name.StartsWith("load ", StringComparison.Ordinal))
            {
                runtime += cpu;
            }
            else
            {
                other += cpu;
                if (cpu > busiest.Cpu)
                {
                    busiest = (thread.Name, cpu);
                }
            }
        }
        return new ThreadUsage(pool, runtime, other, poolThreads, after.Count, voluntary, involuntary, busiest.Name, busiest.Cpu);
    }
}
