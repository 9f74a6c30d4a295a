using System.Globalization;
using SharpServing.Engine.Configuration;

namespace SharpServing.Worker.Internal;

/// <summary>The command line of a worker, as <see cref="ProcessIsolation"/> writes it.</summary>
internal sealed record WorkerArguments(string Socket, string ServablesRoot, string Servable, long Version, string? DeviceType,
    IReadOnlyList<int> DeviceIds, int ParallelWorkers, string? DecMode, bool WarmUp, bool UseCompileCache, string? CompileCache,
    int MaxEnqueued)
{
    /// <summary>The arguments of <c>sharpserving</c> for a worker of <paramref name="config"/>, all but <c>--socket</c>.</summary>
    public static IReadOnlyList<string> Format(ServableStartConfig config, ServingConfiguration serving)
    {
        var args = new List<string>
        {
            "worker", "--servables", config.ResolvedServableDirectory, "--servable", config.ServableName,
            "--version", config.VersionNumber.ToString(CultureInfo.InvariantCulture),
            "--parallel-workers", config.NumParallelWorkers.ToString(CultureInfo.InvariantCulture),
            "--max-enqueued", serving.MaxEnqueuedRequests.ToString(CultureInfo.InvariantCulture),
        };
        if (config.DeviceType is { } device)
        {
            args.AddRange(["--device-type", device]);
        }
        if (config.DeviceIds.Count > 0)
        {
            args.AddRange(["--device-ids", string.Join(',', config.DeviceIds)]);
        }
        if (config.DecKey is not null)
        {
            args.AddRange(["--dec-mode", ServableStartConfig.FormatDecMode(config.DecMode)]);
        }
        if (!serving.WarmUp)
        {
            args.Add("--no-warmup");
        }
        if (!serving.UseCompileCache)
        {
            args.Add("--no-compile-cache");
        }
        else if (serving.CompileCacheDirectory is { } cache)
        {
            args.AddRange(["--compile-cache", cache]);
        }
        return args;
    }

    /// <exception cref="ArgumentException">An unknown, missing or malformed option.</exception>
    public static WorkerArguments Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var flags = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--no-warmup" or "--no-compile-cache")
            {
                flags.Add(name);
            }
            else if (name is "--socket" or "--servables" or "--servable" or "--version" or "--device-type" or "--device-ids"
                or "--parallel-workers" or "--dec-mode" or "--compile-cache" or "--max-enqueued" && i + 1 < args.Count)
            {
                values[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"unknown or incomplete option '{name}'");
            }
        }
        string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"{name} is required");
        int Int(string name, int fallback) => values.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;
        return new WorkerArguments(Required("--socket"), Required("--servables"), Required("--servable"),
            long.Parse(Required("--version"), CultureInfo.InvariantCulture), values.GetValueOrDefault("--device-type"),
            values.TryGetValue("--device-ids", out var ids) ? [.. ids.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : [],
            Int("--parallel-workers", 0), values.GetValueOrDefault("--dec-mode"), !flags.Contains("--no-warmup"),
            !flags.Contains("--no-compile-cache"), values.GetValueOrDefault("--compile-cache"), Int("--max-enqueued", 10000));
    }

    public ServingConfiguration ToConfiguration()
    {
        var configuration = new ServingConfiguration
        {
            Watch = false,
            WarmUp = WarmUp,
            UseCompileCache = UseCompileCache,
            CompileCacheDirectory = CompileCache,
            MaxEnqueuedRequests = MaxEnqueued,
        };
        var start = new ServableStartConfig(ServablesRoot, Servable)
        {
            VersionNumber = Version,
            DeviceType = DeviceType,
            DeviceIds = DeviceIds,
            NumParallelWorkers = ParallelWorkers,
        };
        if (Environment.GetEnvironmentVariable(WorkerProtocol.DecKeyVariable) is { Length: > 0 } key)
        {
            start.DecKey = Convert.FromHexString(key);
            start.DecMode = ServableStartConfig.ParseDecMode(DecMode);
            Environment.SetEnvironmentVariable(WorkerProtocol.DecKeyVariable, null);
        }
        configuration.Servables.Add(start);
        return configuration;
    }
}
