using SharpServing.Engine.Execution;

namespace SharpServing.Engine;

/// <summary>
/// The requests the engine answered in one series (servable, method, version, protocol, reason), process-wide: the counts
/// behind the <c>sharpserving.requests</c> metric, kept with metrics on or off (the V2 statistics extension reads them).
/// </summary>
/// <param name="Servable">The servable; <c>unknown</c> when servable or method did not resolve.</param>
/// <param name="Method">The method; <c>unknown</c> likewise.</param>
/// <param name="Version">The resolved version number; -1 when unresolved.</param>
/// <param name="Protocol">The front end: <c>grpc</c>, <c>rest</c>, <c>inproc</c>, ...</param>
/// <param name="Outcome"><c>ok</c>, <c>error</c> or <c>cancelled</c>.</param>
/// <param name="Count">Requests answered.</param>
/// <param name="Nanoseconds">Their summed latency, acceptance to answer.</param>
/// <param name="LastUnixMilliseconds">When the last one was answered (Unix milliseconds).</param>
public sealed record RequestCount(string Servable, string Method, long Version, string Protocol, string Outcome, long Count,
    long Nanoseconds, long LastUnixMilliseconds)
{
    /// <summary>Every series with at least one request, read now.</summary>
    public static IReadOnlyList<RequestCount> Snapshot()
    {
        var counts = new List<RequestCount>();
        foreach (var method in ExecutionMetrics.Methods)
        {
            foreach (var series in method.Requests)
            {
                if (series.Count > 0)
                {
                    counts.Add(new RequestCount(series.Servable, series.Method, series.Version, series.Protocol, series.Outcome,
                        series.Count, series.Nanoseconds, series.LastUnixMilliseconds));
                }
            }
        }
        return counts;
    }
}
