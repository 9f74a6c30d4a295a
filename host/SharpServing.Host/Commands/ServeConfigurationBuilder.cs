using SharpServing.Engine.Configuration;

namespace SharpServing.Host.Commands;

/// <summary>
/// Builds the serve configuration from a JSON file (if given) and the command line on top. Paths on the command line are
/// relative to the working directory (the JSON file's own paths are relative to its folder).
/// </summary>
internal static class ServeConfigurationBuilder
{
    public static ServingConfiguration Build(CommandLineArguments args)
    {
        var file = args.Value("config");
        var configuration = file is null ? new ServingConfiguration() : ServingConfiguration.Load(file);

        var root = args.Value("servables");
        if (root is not null || (file is null && configuration.ServablesRoot is null))
        {
            configuration.ServablesRoot = Path.GetFullPath(root ?? "servables");
        }
        var names = args.Values("servable");
        var versionText = args.Int("version");
        if (names.Count > 0 || HasServableOptions(args))
        {
            var servablesRoot = configuration.ServablesRoot!;
            var selected = names.Count > 0 ? names : ServableRepositoryNames(servablesRoot);
            configuration.Servables.Clear();
            foreach (var name in selected)
            {
                var start = new ServableStartConfig(servablesRoot, name);
                Apply(start, args, versionText);
                configuration.Servables.Add(start);
            }
        }

        var grpc = args.Value("grpc");
        if (grpc is not null || (file is null && configuration.Grpc is null))
        {
            configuration.Grpc = IsNone(grpc) ? null : new EndpointConfiguration { Address = grpc ?? "127.0.0.1:5500" };
        }
        var rest = args.Value("rest");
        if (rest is not null || (file is null && configuration.Rest is null))
        {
            configuration.Rest = IsNone(rest) ? null : new EndpointConfiguration { Address = rest ?? "127.0.0.1:1500" };
        }
        if (args.Int("grpc-max-msg-mb") is { } grpcMb && configuration.Grpc is not null)
        {
            configuration.Grpc.MaxMsgMbSize = grpcMb;
        }
        if (args.Int("rest-max-msg-mb") is { } restMb && configuration.Rest is not null)
        {
            configuration.Rest.MaxMsgMbSize = restMb;
        }
        var certificate = args.Value("ssl-certificate");
        var key = args.Value("ssl-private-key");
        if (certificate is not null || key is not null || args.Value("ssl-ca") is not null || args.Flag("ssl-verify-client"))
        {
            var ssl = new SslConfiguration
            {
                Certificate = Path.GetFullPath(certificate ?? throw new UsageException("--ssl-certificate is required for TLS")),
                PrivateKey = Path.GetFullPath(key ?? throw new UsageException("--ssl-private-key is required for TLS")),
                CustomCa = args.Value("ssl-ca") is { } ca ? Path.GetFullPath(ca) : null,
                VerifyClient = args.Flag("ssl-verify-client"),
            };
            if (configuration.Grpc is not null)
            {
                configuration.Grpc.Ssl = ssl;
            }
            if (configuration.Rest is not null)
            {
                configuration.Rest.Ssl = ssl;
            }
            configuration.Admin.Ssl = ssl;
        }
        if (args.Int("max-enqueued") is { } maxEnqueued)
        {
            configuration.MaxEnqueuedRequests = maxEnqueued;
        }
        if (args.Flag("no-metrics"))
        {
            configuration.Metrics = false;
        }
        if (args.Value("metrics") is { } metrics)
        {
            configuration.MetricsAddress = metrics;
        }
        if (args.Flag("access-log"))
        {
            configuration.AccessLog = true;
        }
        if (args.Value("otlp-endpoint") is { } otlp)
        {
            configuration.OtlpEndpoint = Uri.TryCreate(otlp, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                ? uri
                : throw new UsageException($"--otlp-endpoint must be an http:// or https:// address, not '{otlp}'");
        }
        ApplyObservabilityAndLimits(configuration, args);
        ApplyAdmin(configuration, args);
        if (args.Flag("no-compile-cache"))
        {
            configuration.UseCompileCache = false;
        }
        ApplyReload(configuration, args);
        ApplyIsolation(configuration, args);
        configuration.Validate();
        return configuration;
    }

    private static void ApplyAdmin(ServingConfiguration configuration, CommandLineArguments args)
    {
        var admin = configuration.Admin;
        if (args.Value("admin") is { } address)
        {
            admin.Address = IsNone(address) ? null : address;
        }
        if (args.Value("admin-token-file") is { } tokenFile)
        {
            admin.TokenFile = Path.GetFullPath(tokenFile);
        }
        foreach (var host in args.Values("admin-allowed-host"))
        {
            admin.AllowedHosts.Add(host);
        }
    }

    private static void ApplyObservabilityAndLimits(ServingConfiguration configuration, CommandLineArguments args)
    {
        try
        {
            if (args.Int("drain-delay-ms") is { } delay)
            {
                configuration.DrainDelay = TimeSpan.FromMilliseconds(delay);
            }
            if (args.Value("log-level") is { } level)
            {
                configuration.LogLevel = level;
            }
            var limits = configuration.Limits;
            if (args.Int("max-inflight-mb") is { } inflight)
            {
                limits.MaxInflightMb = inflight;
            }
            if (args.Int("max-connections") is { } connections)
            {
                limits.MaxConnections = connections;
            }
            if (args.Int("http2-max-streams") is { } streams)
            {
                limits.Http2MaxStreams = streams;
            }
            if (args.Int("min-body-rate") is { } rate)
            {
                limits.MinRequestBodyBytesPerSecond = rate;
            }
            if (args.Int("request-body-timeout-ms") is { } bodyTimeout)
            {
                limits.RequestBodyTimeout = TimeSpan.FromMilliseconds(bodyTimeout);
            }
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new UsageException(ex.Message.Split(Environment.NewLine)[0]);
        }
    }

    private static void ApplyReload(ServingConfiguration configuration, CommandLineArguments args)
    {
        if (args.Flag("no-watch"))
        {
            configuration.Watch = false;
        }
        if (args.Flag("no-warmup"))
        {
            configuration.WarmUp = false;
        }
        if (args.Value("version-policy") is { } policy)
        {
            try
            {
                configuration.VersionPolicy = SharpServing.Engine.Reload.VersionPolicy.Parse(policy);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"--version-policy: {ex.Message}");
            }
        }
        if (args.Int("watch-debounce-ms") is { } debounce)
        {
            if (debounce is < 0 or > 60000)
            {
                throw new UsageException($"--watch-debounce-ms must be in 0..60000, not {debounce}");
            }
            configuration.WatchDebounce = TimeSpan.FromMilliseconds(debounce);
        }
        if (args.Int("load-timeout-ms") is { } load)
        {
            if (load is < 100 or > 86_400_000)
            {
                throw new UsageException($"--load-timeout-ms must be in 100..86400000, not {load}");
            }
            configuration.LoadTimeout = TimeSpan.FromMilliseconds(load);
        }
        if (args.Flag("lazy-load"))
        {
            configuration.LazyLoad = true;
        }
        if (args.Int("loaded-memory-budget-mb") is { } budget)
        {
            if (budget < 0)
            {
                throw new UsageException($"--loaded-memory-budget-mb must be 0 or more, not {budget}");
            }
            configuration.LoadedMemoryBudgetMb = budget;
        }
        if (args.Int("drain-timeout-ms") is { } drain)
        {
            if (drain is < 0 or > 3_600_000)
            {
                throw new UsageException($"--drain-timeout-ms must be in 0..3600000, not {drain}");
            }
            configuration.DrainTimeout = TimeSpan.FromMilliseconds(drain);
        }
        if (args.Int("request-timeout-ms") is { } request)
        {
            if (request is < 0 or > 86_400_000)
            {
                throw new UsageException($"--request-timeout-ms must be in 0..86400000 (0: no limit), not {request}");
            }
            configuration.RequestTimeout = request == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(request);
        }
    }

    private static void ApplyIsolation(ServingConfiguration configuration, CommandLineArguments args)
    {
        var isolation = configuration.Isolation;
        foreach (var value in args.Values("isolation"))
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            try
            {
                if (equals < 0)
                {
                    isolation.Mode = IsolationOptions.ParseMode(value);
                }
                else if (equals == 0)
                {
                    throw new ArgumentException($"'{value}' names no servable");
                }
                else
                {
                    isolation.Servables[value[..equals]] = IsolationOptions.ParseMode(value[(equals + 1)..]);
                }
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"--isolation: {ex.Message}");
            }
        }
        try
        {
            if (args.Value("worker-memory-limit-mb") is { } memory)
            {
                isolation.MemoryLimitMb = long.Parse(memory, System.Globalization.CultureInfo.InvariantCulture);
            }
            if (args.Int("worker-time-limit-ms") is { } time)
            {
                isolation.RequestTimeLimit = time == 0 ? null : TimeSpan.FromMilliseconds(time);
            }
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or FormatException or OverflowException)
        {
            throw new UsageException($"--worker-memory-limit-mb / --worker-time-limit-ms: {ex.Message}");
        }
    }

    private static bool HasServableOptions(CommandLineArguments args)
        => args.Value("version") is not null || args.Value("device-type") is not null || args.Value("device-ids") is not null
            || args.Value("parallel-workers") is not null || args.Value("dec-key-file") is not null || args.Value("dec-mode") is not null;

    private static IReadOnlyList<string> ServableRepositoryNames(string root)
        => SharpServing.Engine.Repository.ServableRepository.ListServables(root);

    private static void Apply(ServableStartConfig start, CommandLineArguments args, int? version)
    {
        if (version is { } v)
        {
            start.VersionNumber = v;
        }
        if (args.Value("device-type") is { } deviceType)
        {
            start.DeviceType = deviceType;
        }
        if (args.Value("device-ids") is { } ids)
        {
            start.DeviceIds = [.. ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseId)];
        }
        if (args.Int("parallel-workers") is { } workers)
        {
            start.NumParallelWorkers = workers;
        }
        if (args.Value("dec-key-file") is { } keyFile)
        {
            start.DecKey = File.ReadAllBytes(keyFile);
        }
        if (args.Value("dec-mode") is { } mode)
        {
            start.DecMode = ServableStartConfig.ParseDecMode(mode);
        }
    }

    private static int ParseId(string text)
        => int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new UsageException($"--device-ids needs integers, not '{text}'");

    private static bool IsNone(string? address) => string.Equals(address, "none", StringComparison.OrdinalIgnoreCase);
}
