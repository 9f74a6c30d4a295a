using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// The runtime samples allocations: an AllocationTick event about every 100 KB allocated, carrying the type of the object
// that crossed the mark and the bytes allocated since the last one. Summed by type (and by type and stack) they give the
// shares of the allocated bytes.
if (args.Length is < 1 or > 3 || args[0] is "-h" or "--help")
{
    Console.Error.WriteLine("usage: SharpServing.AllocProfile TRACE.nettrace [TOP (default 25)] [FRAMES (default 5)]");
    return 2;
}
var top = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 25;
var depth = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
var etlx = TraceLog.CreateFromEventPipeDataFile(args[0]);
try
{
    using var log = new TraceLog(etlx);
    var byType = new Dictionary<string, long>(StringComparer.Ordinal);
    var byStack = new Dictionary<string, long>(StringComparer.Ordinal);
    long total = 0;
    double first = double.NaN, last = 0;
    foreach (var data in log.Events)
    {
        if (data is not GCAllocationTickTraceData tick)
        {
            continue;
        }
        var bytes = tick.AllocationAmount64;
        total += bytes;
        first = double.IsNaN(first) ? tick.TimeStampRelativeMSec : first;
        last = tick.TimeStampRelativeMSec;
        var type = tick.TypeName ?? "?";
        byType[type] = byType.GetValueOrDefault(type) + bytes;
        var frames = new List<string>();
        for (var frame = tick.CallStack(); frame is not null && frames.Count < depth; frame = frame.Caller)
        {
            var method = frame.CodeAddress.FullMethodName;
            if (!string.IsNullOrEmpty(method))
            {
                frames.Add(method.Length > 100 ? method[..100] : method);
            }
        }
        var key = $"{type}\n      <- {string.Join("\n      <- ", frames)}";
        byStack[key] = byStack.GetValueOrDefault(key) + bytes;
    }
    if (total == 0)
    {
        Console.Error.WriteLine("no allocation samples in the trace (collect it with --profile gc-verbose)");
        return 1;
    }
    var seconds = (last - first) / 1000;
    Console.WriteLine($"## Allocated bytes by type (sampled: {total:N0} B over {seconds:F1} s)");
    Console.WriteLine("| share | type |");
    Console.WriteLine("|---|---|");
    foreach (var (type, bytes) in byType.OrderByDescending(p => p.Value).Take(top))
    {
        Console.WriteLine($"| {bytes * 100.0 / total:F1} % | `{type}` |");
    }
    Console.WriteLine();
    Console.WriteLine($"## By type and the {depth} innermost frames that allocated it");
    foreach (var (key, bytes) in byStack.OrderByDescending(p => p.Value).Take(top))
    {
        Console.WriteLine($"{bytes * 100.0 / total,5:F1} %  {key}");
    }
    return 0;
}
finally
{
    File.Delete(etlx);
}
