namespace SharpServing.Benchmark;

/// <summary>How hard and how long to load: <see cref="Requests"/> &gt; 0 counts requests, otherwise <see cref="Duration"/> runs.</summary>
internal sealed record LoadSettings(int Concurrency, TimeSpan Duration, long Requests, TimeSpan Warmup)
{
    public static LoadSettings From(CommandLine line, int concurrency)
    {
        ArgumentNullException.ThrowIfNull(line);
        return new LoadSettings(concurrency, line.Seconds("duration", TimeSpan.FromSeconds(10)),
            line.Int("requests", 0), line.Seconds("warmup", TimeSpan.FromSeconds(2)));
    }
}
