using System.Globalization;

namespace SharpServing.Benchmark;

/// <summary>
/// <c>--payload</c>: <c>add</c> (add.add_common, x1 and x2 float32 [2, 2]), <c>floats:INPUT:D1xD2...</c> (one
/// float32 input), or <c>bytes:INPUT:FILE</c> (one bytes input, e.g. an image); with <c>--servable</c>,
/// <c>--method</c> and <c>--instances</c>.
/// </summary>
internal static class PayloadSpec
{
    public static Payload Parse(CommandLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var spec = line.Value("payload", "add");
        var instances = line.Int("instances", 1, 1, 1_000_000);
        var servable = line.Value("servable");
        var method = line.Value("method");
        if (spec == "add")
        {
            return servable is null && method is null ? Payload.Add(instances) : throw new UsageException("--payload add is add.add_common; leave out --servable and --method");
        }
        var parts = spec.Split(':', 3);
        if (parts.Length != 3 || servable is null || method is null)
        {
            throw new UsageException("--payload is add, floats:INPUT:D1xD2... or bytes:INPUT:FILE; the last two need --servable and --method");
        }
        return parts[0] switch
        {
            "floats" => Payload.Floats(servable, method, instances, parts[1],
                [.. parts[2].Split('x').Select(d => long.Parse(d, NumberStyles.None, CultureInfo.InvariantCulture))]),
            "bytes" => Payload.Bytes(servable, method, instances, parts[1], File.ReadAllBytes(parts[2])),
            _ => throw new UsageException($"unknown payload kind '{parts[0]}'"),
        };
    }
}
