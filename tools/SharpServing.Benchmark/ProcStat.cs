using System.Globalization;

namespace SharpServing.Benchmark;

/// <summary>CPU time of a process from <c>/proc/&lt;pid&gt;/stat</c>: utime + stime (fields 14 and 15), all its threads.</summary>
internal static class ProcStat
{
    // USER_HZ: the unit of those fields, 100 on every Linux ABI .NET runs on (sysconf(_SC_CLK_TCK)).
    private const double TicksPerSecond = 100;

    /// <summary>User + system CPU time of <paramref name="pid"/>, or null when it cannot be read (gone, not Linux).</summary>
    public static TimeSpan? CpuTime(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // The command name (field 2) is in parentheses and may hold spaces; count fields after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        var user = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var system = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((user + system) / TicksPerSecond);
    }

    /// <summary>
    /// The CPU time of <paramref name="pid"/> and its living child processes together (a server's servable workers:
    /// docs/isolation.md); null when <paramref name="pid"/> cannot be read.
    /// </summary>
    public static TimeSpan? TreeCpuTime(int pid)
    {
        if (CpuTime(pid) is not { } total)
        {
            return null;
        }
        foreach (var child in Children(pid))
        {
            total += CpuTime(child) ?? TimeSpan.Zero;
        }
        return total;
    }

    /// <summary>The direct children of <paramref name="pid"/>: every process whose parent (field 4 of its stat) it is.</summary>
    private static List<int> Children(int pid)
    {
        var children = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var candidate))
            {
                continue;
            }
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            if (int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent) && parent == pid)
            {
                children.Add(candidate);
            }
        }
        return children;
    }

    /// <summary>
    /// Every thread of <paramref name="pid"/> (<c>/proc/&lt;pid&gt;/task</c>): its name, CPU time and context switches; an
    /// empty list when the process cannot be read. A thread that ends between two samples drops out of the later one.
    /// </summary>
    public static IReadOnlyList<ThreadStat> Threads(int pid)
    {
        var threads = new List<ThreadStat>();
        IEnumerable<string> tasks;
        try
        {
            tasks = Directory.EnumerateDirectories($"/proc/{pid}/task").ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return threads;
        }
        foreach (var task in tasks)
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var open = stat.IndexOf('(');
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');
                long voluntary = 0, involuntary = 0;
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        voluntary = long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                    else if (line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        involuntary = long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                }
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                threads.Add(new ThreadStat(int.Parse(Path.GetFileName(task), CultureInfo.InvariantCulture), stat[(open + 1)..close],
                    TimeSpan.FromSeconds(ticks / TicksPerSecond), voluntary, involuntary));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The thread ended while it was read.
            }
        }
        return threads;
    }

    /// <summary>The 1-minute load average from <c>/proc/loadavg</c>, or null.</summary>
    public static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>One thread of a process: its name (<c>comm</c>, at most 15 characters), CPU time and context switches so far.</summary>
internal sealed record ThreadStat(int Id, string Name, TimeSpan Cpu, long VoluntarySwitches, long InvoluntarySwitches);
