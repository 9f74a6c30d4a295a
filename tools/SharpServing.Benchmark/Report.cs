using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SharpServing.Benchmark;

/// <summary>Rows as they are measured: a line each on standard error while running, then the table, and JSON lines.</summary>
internal sealed class Report(bool json)
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly List<LoadResult> _rows = [];
    private readonly List<string> _notes = [];

    public IReadOnlyList<LoadResult> Rows => _rows;

    public LoadResult Add(LoadResult row)
    {
        ArgumentNullException.ThrowIfNull(row);
        _rows.Add(row);
        Console.Error.WriteLine($"  {row.Target,-26} c={row.Concurrency,-3} {row.RequestsPerSecond,9:0.0} req/s  p50 {row.P50Ms:0.000} ms  p99 {row.P99Ms:0.000} ms  errors {row.Errors}" +
            (row.FirstError is null ? "" : $"  first error: {row.FirstError}"));
        if (json)
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(row, s_json));
            Console.Out.Flush();
        }
        return row;
    }

    /// <summary>A line written under the table (a scenario's summary of its rows), and on standard error at once.</summary>
    public void AddNote(string note)
    {
        _notes.Add(note);
        Console.Error.WriteLine(note);
    }

    /// <summary>The row for <paramref name="target"/> at <paramref name="concurrency"/>, compared with its limit row.</summary>
    public static LoadResult WithLimit(LoadResult row, LoadResult? limit)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (limit is null || limit.InstancesPerSecond <= 0)
        {
            return row;
        }
        return row with { Limit = limit.Target, RatioToLimit = row.InstancesPerSecond / limit.InstancesPerSecond };
    }

    public void WriteTable(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        string[] header = ["scenario", "target", "proto", "conc", "inst/req", "req/s", "inst/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
            "errors", "srv cpu ms/req", "cli cpu ms/req", "srv alloc B/req", "srv GCs 0/1/2", "batch (mean)", "model ms/run", "runs/req", "model ms/req", "outside model ms/req", "srv threads", "vs limit", "load"];
        var lines = _rows.Select(r => new[]
        {
            r.Scenario, r.Target, r.Protocol, F(r.Concurrency), F(r.InstancesPerRequest), F(r.RequestsPerSecond, "0"), F(r.InstancesPerSecond, "0"),
            F(r.P50Ms, "0.000"), F(r.P90Ms, "0.000"), F(r.P99Ms, "0.000"), F(r.MaxMs, "0.00"), F(r.Errors),
            F(r.ServerCpuMsPerRequest, "0.000"), F(r.ClientCpuMsPerRequest, "0.000"), F(r.ServerAllocatedBytesPerRequest, "0"),
            r.ServerGen0 is { } g0 ? $"{g0}/{r.ServerGen1}/{r.ServerGen2}" : "",
            r.BatchSummary, r.RunSummary, F(r.RunsPerRequest, "0.000"), F(r.ModelMsPerRequest, "0.000"), F(r.OutsideModelCpuMsPerRequest, "0.000"),
            r.ThreadSummary, r.RatioToLimit is { } ratio ? $"{ratio.ToString("0.00", CultureInfo.InvariantCulture)} × {r.Limit}" : "",
            F(r.LoadAverage, "0.0"),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, lines.Count == 0 ? 0 : lines.Max(l => l[i].Length))).ToArray();
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", header.Select((h, i) => h.PadRight(widths[i]))).AppendLine(" |");
        text.Append('|').AppendJoin("|", widths.Select(w => new string('-', w + 2))).AppendLine("|");
        foreach (var line in lines)
        {
            text.Append("| ").AppendJoin(" | ", line.Select((c, i) => c.PadRight(widths[i]))).AppendLine(" |");
        }
        foreach (var note in _notes)
        {
            text.AppendLine().Append(note);
        }
        if (_notes.Count > 0)
        {
            text.AppendLine();
        }
        writer.Write(text.ToString());
    }

    private static string F(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static string F(double? value, string format) => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "";
}
