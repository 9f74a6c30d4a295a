namespace SharpServing.Host;

/// <summary>
/// A small, strict parser for <c>--name value</c>, <c>--name=value</c>, <c>--flag</c> and positional arguments. Unknown
/// options are errors, so a typo never silently changes behaviour.
/// </summary>
internal sealed class CommandLineArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandLineArguments(List<string> positionals) => Positionals = positionals;

    public IReadOnlyList<string> Positionals { get; }

    public bool Help { get; private set; }

    /// <summary>Parses <paramref name="args"/>; <paramref name="valueOptions"/> take a value, <paramref name="flagOptions"/> do not.</summary>
    public static CommandLineArguments Parse(IReadOnlyList<string> args, IReadOnlySet<string> valueOptions, IReadOnlySet<string> flagOptions)
    {
        var result = new CommandLineArguments([]);
        var positionals = (List<string>)result.Positionals;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                result.Help = true;
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                positionals.Add(arg);
                continue;
            }
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? arg[2..eq] : arg[2..];
            if (flagOptions.Contains(name))
            {
                if (eq > 0)
                {
                    throw new UsageException($"option --{name} takes no value");
                }
                result._flags.Add(name);
                continue;
            }
            if (!valueOptions.Contains(name))
            {
                throw new UsageException($"unknown option --{name}");
            }
            string value;
            if (eq > 0)
            {
                value = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"option --{name} needs a value");
            }
            if (!result._values.TryGetValue(name, out var list))
            {
                result._values[name] = list = [];
            }
            list.Add(value);
        }
        return result;
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string? Value(string name)
    {
        if (!_values.TryGetValue(name, out var list))
        {
            return null;
        }
        if (list.Count > 1)
        {
            throw new UsageException($"option --{name} is given more than once");
        }
        return list[0];
    }

    public IReadOnlyList<string> Values(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public int? Int(string name)
    {
        var text = Value(name);
        if (text is null)
        {
            return null;
        }
        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new UsageException($"option --{name} needs an integer, not '{text}'");
    }
}
