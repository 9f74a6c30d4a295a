using System.Globalization;

namespace SharpServing.Benchmark;

/// <summary>
/// <c>--name value</c>, <c>--name=value</c> and <c>--flag</c> options after a command word. Commands take what they
/// understand; <see cref="ThrowIfUnused"/> then rejects the rest, so a typo never silently changes a measurement.
/// </summary>
internal sealed class CommandLine
{
    private static readonly HashSet<string> s_flags = new(StringComparer.Ordinal) { "json", "spin", "help", "no-probe", "quiet", "metrics-compare", "no-adaptive-delay", "batched", "no-jit-warmup", "simultaneous" };
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private CommandLine(string command) => Command = command;

    public string Command { get; }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            return ParseOptions(new CommandLine("help"), args, 0);
        }
        return ParseOptions(new CommandLine(args[0]), args, 1);
    }

    public string? Value(string name)
    {
        _used.Add(name);
        return _values.GetValueOrDefault(name);
    }

    public string Value(string name, string fallback) => Value(name) ?? fallback;

    public bool Flag(string name) => Value(name) is not null;

    public int Int(string name, int fallback, int min = 0, int max = int.MaxValue)
    {
        var text = Value(name);
        if (text is null)
        {
            return fallback;
        }
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"--{name} takes an integer in [{min}, {max}], not '{text}'");
        }
        return value;
    }

    /// <summary>A list of integers: <c>1,64</c>.</summary>
    public IReadOnlyList<int> Ints(string name, IReadOnlyList<int> fallback, int min = 1)
    {
        var text = Value(name);
        if (text is null)
        {
            return fallback;
        }
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min)
            {
                throw new UsageException($"--{name} takes integers >= {min} separated by commas, not '{text}'");
            }
            values.Add(value);
        }
        return values;
    }

    /// <summary>Seconds, fractional allowed: <c>--duration 10</c>, <c>--batch-delay-ms 2</c> uses <see cref="Milliseconds"/>.</summary>
    public TimeSpan Seconds(string name, TimeSpan fallback)
    {
        var text = Value(name);
        if (text is null)
        {
            return fallback;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || value > 86400)
        {
            throw new UsageException($"--{name} takes seconds in [0, 86400], not '{text}'");
        }
        return TimeSpan.FromSeconds(value);
    }

    public TimeSpan Milliseconds(string name, TimeSpan fallback)
    {
        var text = Value(name);
        if (text is null)
        {
            return fallback;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || value > 10000)
        {
            throw new UsageException($"--{name} takes milliseconds in [0, 10000], not '{text}'");
        }
        return TimeSpan.FromMilliseconds(value);
    }

    public void ThrowIfUnused()
    {
        var unused = _values.Keys.Where(k => !_used.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unused.Count > 0)
        {
            throw new UsageException($"'{Command}' does not take {string.Join(", ", unused.Select(u => "--" + u))}");
        }
    }

    private static CommandLine ParseOptions(CommandLine line, IReadOnlyList<string> args, int start)
    {
        for (var i = start; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h")
            {
                arg = "--help";
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? arg[2..eq] : arg[2..];
            string value;
            if (eq > 0)
            {
                value = arg[(eq + 1)..];
            }
            else if (s_flags.Contains(name))
            {
                value = "true";
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"option --{name} needs a value");
            }
            line._values[name] = value;
        }
        return line;
    }
}
