using System.Diagnostics;
using System.Diagnostics.Metrics;
using SharpServing.Engine.Execution;

namespace SharpServing.Engine.Repository;

/// <summary>Servable load instruments (meter <c>SharpServing.Engine</c>): loads and reloads by outcome, and their duration.</summary>
internal static class LoadMetrics
{
    private static readonly Meter s_meter = new(ExecutionMetrics.MeterName);

    /// <summary>Version loads, tagged with servable, kind (<c>load</c>, <c>reload</c>) and outcome (<c>success</c>, <c>failure</c>).</summary>
    public static Counter<long> Loads { get; } = s_meter.CreateCounter<long>("sharpserving.servable.loads", "{load}", "Servable version loads and reloads.");

    /// <summary>Wall time of a load (compile or plugin load, sessions, warm-up), in seconds, tagged as <see cref="Loads"/>.</summary>
    public static Histogram<double> LoadDuration { get; } =
        s_meter.CreateHistogram<double>("sharpserving.servable.load.duration", "s", "Wall time of a servable version load, warm-up included.");

    public static void Record(string servable, string kind, string outcome, long started)
    {
        var tags = new TagList { { "servable", servable }, { "kind", kind }, { "outcome", outcome } };
        Loads.Add(1, tags);
        LoadDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }
}
