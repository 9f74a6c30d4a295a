using System.Diagnostics;
using System.Globalization;

namespace SharpServing.Engine.Execution;

/// <summary>
/// One series of the request metrics, (servable, method, version, protocol, reason), with its tags built once: the
/// requests answered, their summed latency and the time of the last one. The request counter and the V2 statistics read
/// these counts, so answering a request costs three interlocked writes here and one latency record with a cached tag array.
/// </summary>
internal sealed class RequestSeries
{
    private long _count;
    private long _elapsedTicks;
    private long _lastTickCount;

    public RequestSeries(string servable, string method, long version, string protocol, string reason)
    {
        Servable = servable;
        Method = method;
        Version = version;
        Protocol = protocol;
        Reason = reason;
        Outcome = reason switch { "success" => "ok", "cancelled" => "cancelled", _ => "error" };
        var versionText = version >= 0 ? version.ToString(CultureInfo.InvariantCulture) : "unknown";
        Tags =
        [
            new("servable", servable),
            new("method", method),
            new("version", versionText),
            new("protocol", protocol),
            new("outcome", Outcome),
            new("reason", reason),
        ];
    }

    public string Servable { get; }

    public string Method { get; }

    /// <summary>The resolved version number; -1 when servable or method did not resolve (tagged <c>unknown</c>).</summary>
    public long Version { get; }

    public string Protocol { get; }

    public string Reason { get; }

    /// <summary><c>ok</c>, <c>error</c> or <c>cancelled</c>, from <see cref="Reason"/>.</summary>
    public string Outcome { get; }

    /// <summary>The metric tags, in the order every record passes them (the SDK's lookup of a known tag set).</summary>
    public KeyValuePair<string, object?>[] Tags { get; }

    public long Count => Volatile.Read(ref _count);

    /// <summary>The summed latency of the requests counted, in nanoseconds.</summary>
    public long Nanoseconds => (long)(Volatile.Read(ref _elapsedTicks) * (1e9 / Stopwatch.Frequency));

    /// <summary>When the last request was answered, in Unix milliseconds (0 before the first).</summary>
    public long LastUnixMilliseconds
    {
        get
        {
            var last = Volatile.Read(ref _lastTickCount);
            return last == 0 ? 0 : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (Environment.TickCount64 - last);
        }
    }

    public void Record(long elapsedTicks)
    {
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _elapsedTicks, elapsedTicks);
        Volatile.Write(ref _lastTickCount, Environment.TickCount64);
    }
}
