using SharpServing.Engine.Reload;

namespace SharpServing.Engine.Configuration;

/// <summary>
/// Everything a server starts with: the servables (each a <see cref="ServableStartConfig"/>), the gRPC and RESTful
/// endpoints, the queue limit and the compiled-script cache. Build it in code or read it from a JSON file with
/// <see cref="Load"/>; <see cref="Validate"/> checks the whole and names the setting at fault.
/// </summary>
public sealed class ServingConfiguration
{
    private int _maxEnqueuedRequests = 10000;
    private TimeSpan _watchDebounce = TimeSpan.FromSeconds(1);
    private TimeSpan _rescanInterval = TimeSpan.FromSeconds(10);
    private VersionPolicy _versionPolicy = VersionPolicy.Default;
    private TimeSpan _loadTimeout = TimeSpan.FromMinutes(5);
    private TimeSpan _drainTimeout = TimeSpan.FromSeconds(30);
    private long _loadedMemoryBudgetMb;
    private TimeSpan _requestTimeout = ExecutionOptions.DefaultRequestTimeout;

    /// <summary>
    /// The default servables root: used to serve every servable folder under it when <see cref="Servables"/> is empty,
    /// and as the default cache location. Default null. A relative path resolves against <see cref="AppContext.BaseDirectory"/>
    /// (in a JSON file: against the file's folder).
    /// </summary>
    public string? ServablesRoot { get; set; }

    /// <summary>The servables to start. Empty: every servable folder under <see cref="ServablesRoot"/>, latest version.</summary>
    public IList<ServableStartConfig> Servables { get; } = [];

    /// <summary>The gRPC endpoint; null when gRPC is not served. Default null.</summary>
    public EndpointConfiguration? Grpc { get; set; }

    /// <summary>The RESTful endpoint; null when REST is not served. Default null.</summary>
    public EndpointConfiguration? Rest { get; set; }

    /// <summary>Accepted, not yet answered requests per servable before "queue full". Default 10000, at least 1.</summary>
    public int MaxEnqueuedRequests
    {
        get => _maxEnqueuedRequests;
        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'max_enqueued_requests' should be >= 1, but actually {value}");
            }
            _maxEnqueuedRequests = value;
        }
    }

    /// <summary>
    /// Where compiled <c>servable_config.csx</c> scripts are cached (by content hash), so a restart with unchanged scripts
    /// skips compilation. Default null: <c>&lt;servables root&gt;/.cache/scripts/</c> of each servable. A folder that cannot be
    /// created disables caching (with a warning); the cache is never required.
    /// </summary>
    public string? CompileCacheDirectory { get; set; }

    /// <summary>Whether compiled scripts are cached at all. Default true.</summary>
    public bool UseCompileCache { get; set; } = true;

    /// <summary>
    /// Whether the servables are watched after the start (docs/hot-reload.md): new servable and version folders load, removed
    /// ones unload, an edited script, plugin or model file swaps in a new version object. Default true. Off: the versions
    /// loaded at start stay until loaded or unloaded explicitly.
    /// </summary>
    public bool Watch { get; set; } = true;

    /// <summary>
    /// How long the servable folders must be quiet (no file change) before a change is applied. Default 1 s, range 0 to
    /// 60 s.
    /// </summary>
    public TimeSpan WatchDebounce
    {
        get => _watchDebounce;
        set
        {
            if (value < TimeSpan.Zero || value > TimeSpan.FromSeconds(60))
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'watch_debounce_ms' should be in range [0,60000], but actually {value.TotalMilliseconds}");
            }
            _watchDebounce = value;
        }
    }

    /// <summary>
    /// How often the servable folders are rescanned while watching, a safety net for file systems whose change events
    /// get lost (network mounts, event queue overflow). Default 10 s, range 100 ms to 1 h.
    /// </summary>
    public TimeSpan RescanInterval
    {
        get => _rescanInterval;
        set
        {
            if (value < TimeSpan.FromMilliseconds(100) || value > TimeSpan.FromHours(1))
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'rescan_interval_ms' should be in range [100,3600000], but actually {value.TotalMilliseconds}");
            }
            _rescanInterval = value;
        }
    }

    /// <summary>
    /// Which version folders of a servable are loaded, unless <see cref="VersionPolicies"/> names the servable or its
    /// configured entries all give explicit version numbers. Default <see cref="VersionPolicy.Default"/> (the latest).
    /// </summary>
    public VersionPolicy VersionPolicy
    {
        get => _versionPolicy;
        set => _versionPolicy = value ?? throw new ArgumentNullException(null, "Parameter 'version_policy' should not be null");
    }

    /// <summary>Version policies of single servables, by servable name. Default empty.</summary>
    public IDictionary<string, VersionPolicy> VersionPolicies { get; } = new Dictionary<string, VersionPolicy>(StringComparer.Ordinal);

    /// <summary>
    /// Whether each model of a version runs once (zero-filled inputs from its signature, dynamic dimensions as 1, or the
    /// version's <c>warmup/</c> files) before the version takes traffic; a model whose warm-up fails fails the load.
    /// Default true.
    /// </summary>
    public bool WarmUp { get; set; } = true;

    /// <summary>
    /// How long one servable version may take to load: compile its script (or load its plugin), run its configuration,
    /// open its model sessions and warm up. A load past it is abandoned (what served before keeps serving; the status
    /// says why) and the start goes on without it. Default 5 min, range 100 ms to 24 h.
    /// </summary>
    public TimeSpan LoadTimeout
    {
        get => _loadTimeout;
        set
        {
            if (value < TimeSpan.FromMilliseconds(100) || value > TimeSpan.FromHours(24))
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'load_timeout_ms' should be in range [100,86400000], but actually {value.TotalMilliseconds}");
            }
            _loadTimeout = value;
        }
    }

    /// <summary>
    /// Whether servable versions load on their first request instead of at the start (docs/deploy.md, "Many servables per
    /// replica"). The start then only finds the versions (their state is <c>unloaded</c>); a request for one loads it and
    /// waits at most <see cref="LoadTimeout"/>. Default false.
    /// </summary>
    public bool LazyLoad { get; set; }

    /// <summary>
    /// The memory loaded servable versions may take together, in MiB; 0 (the default): no budget. A version's memory is the
    /// size of the files in its version folder (its models and assets), known before it loads. A load that would pass the
    /// budget first unloads the least recently used versions that no request is using; they load again on their next
    /// request. Needs <see cref="LazyLoad"/>. Range 0 to 16777216 (16 TiB).
    /// </summary>
    public long LoadedMemoryBudgetMb
    {
        get => _loadedMemoryBudgetMb;
        set
        {
            if (value < 0 || value > 16L * 1024 * 1024)
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'loaded_memory_budget_mb' should be in range [0,16777216], but actually {value}");
            }
            _loadedMemoryBudgetMb = value;
        }
    }

    /// <summary><see cref="LoadedMemoryBudgetMb"/> in bytes; 0: no budget.</summary>
    public long LoadedMemoryBudgetBytes => _loadedMemoryBudgetMb * 1024 * 1024;

    /// <summary>
    /// How long requests in flight may take to finish when the server stops or a version is unloaded or replaced; past it
    /// they are failed and the stop goes on. Default 30 s, range 0 to 1 h.
    /// </summary>
    public TimeSpan DrainTimeout
    {
        get => _drainTimeout;
        set
        {
            if (value < TimeSpan.Zero || value > TimeSpan.FromHours(1))
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'drain_timeout_ms' should be in range [0,3600000], but actually {value.TotalMilliseconds}");
            }
            _drainTimeout = value;
        }
    }

    /// <summary>
    /// The time limit of a request of a method that has none of its own (neither in <see cref="MethodTimeouts"/> nor at
    /// its registration). Default 60 s; <see cref="Timeout.InfiniteTimeSpan"/> (0 in JSON): no limit; otherwise above 0
    /// and at most 24 h.
    /// </summary>
    public TimeSpan RequestTimeout
    {
        get => _requestTimeout;
        set
        {
            if (value != Timeout.InfiniteTimeSpan && (value <= TimeSpan.Zero || value > ExecutionOptions.MaxTimeLimit))
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'request_timeout_ms' should be in range [0,86400000] (0: no limit), but actually {value.TotalMilliseconds}");
            }
            _requestTimeout = value;
        }
    }

    /// <summary>
    /// Time limits of single methods, by <c>servable.method</c>; they win over the limit a method is registered with
    /// (<c>RegisterMethod(..., timeout: ...)</c>), which wins over <see cref="RequestTimeout"/>. Each as for
    /// <see cref="RequestTimeout"/> (checked by <see cref="Validate"/>). Default empty.
    /// </summary>
    public IDictionary<string, TimeSpan> MethodTimeouts { get; } = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);

    /// <summary>The execution limits of the versions of <paramref name="servable"/>.</summary>
    public ExecutionOptions ExecutionOptionsFor(string servable, int parallelWorkers)
    {
        var options = new ExecutionOptions
        {
            MaxEnqueuedRequests = MaxEnqueuedRequests,
            ParallelWorkers = parallelWorkers,
            DrainTimeout = DrainTimeout,
            RequestTimeout = RequestTimeout,
        };
        var prefix = servable + ".";
        foreach (var (key, limit) in MethodTimeouts)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                options.MethodTimeouts[key[prefix.Length..]] = limit;
            }
        }
        return options;
    }

    /// <summary>Which servables run in worker processes, and their limits (docs/isolation.md). Default: all in process.</summary>
    public IsolationOptions Isolation { get; } = new();

    /// <summary>Whether <c>GET /metrics</c> (Prometheus text format, OpenMetrics on request) is served on the RESTful
    /// listener. Default true (docs/observability.md).</summary>
    public bool Metrics { get; set; } = true;

    /// <summary>An OTLP collector (e.g. <c>http://127.0.0.1:4317</c>) that receives the request spans; default null:
    /// tracing off.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Whether each request writes one access log line (category <c>SharpServing.AccessLog</c>). Default false.</summary>
    public bool AccessLog { get; set; }

    /// <summary>Where <c>GET /metrics</c> is served: null (default) on the RESTful listener; an <c>ip:port</c> moves it
    /// to a listener of its own and off the RESTful one. Never behind the control API's token.</summary>
    public string? MetricsAddress { get; set; }

    private TimeSpan _drainDelay = TimeSpan.Zero;

    /// <summary>On SIGTERM, how long <c>sharpserving serve</c> keeps serving with readiness false before it stops accepting.
    /// Default 0, range 0 to 10 min.</summary>
    public TimeSpan DrainDelay
    {
        get => _drainDelay;
        set
        {
            if (value < TimeSpan.Zero || value > TimeSpan.FromMinutes(10))
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'drain_delay_ms' should be in range [0,600000], but actually {value.TotalMilliseconds}");
            }
            _drainDelay = value;
        }
    }

    /// <summary>The least severe log level <c>sharpserving serve</c> writes: Trace, Debug, Information (default), Warning,
    /// Error, Critical or None.</summary>
    public string LogLevel
    {
        get => _logLevel;
        set
        {
            if (!s_logLevels.Contains(value ?? "", StringComparer.OrdinalIgnoreCase))
            {
                throw new ArgumentOutOfRangeException(null, $"Parameter 'log_level' should be one of {string.Join(", ", s_logLevels)}, but actually '{value}'");
            }
            _logLevel = value!;
        }
    }

    private static readonly string[] s_logLevels = ["Trace", "Debug", "Information", "Warning", "Error", "Critical", "None"];
    private string _logLevel = "Information";

    /// <summary>The control API's listener and its access rules (docs/security.md). Default: no control API.</summary>
    public AdminConfiguration Admin { get; } = new();

    /// <summary>Limits of the front ends' connections and request bodies (docs/security.md).</summary>
    public ConnectionLimits Limits { get; } = new();

    /// <summary>The version policy of <paramref name="servable"/>: its own entry in <see cref="VersionPolicies"/>, else
    /// <see cref="VersionPolicy"/>.</summary>
    public VersionPolicy PolicyFor(string servable)
        => VersionPolicies.TryGetValue(servable, out var policy) ? policy : VersionPolicy;

    /// <summary>Reads a JSON configuration file (format: docs/configuration.md); relative paths in it resolve against its folder.</summary>
    /// <exception cref="ServingConfigurationException">The file cannot be read, is not valid JSON, or a setting is invalid.</exception>
    public static ServingConfiguration Load(string path) => ServingConfigurationReader.ReadFile(path);

    /// <summary>Reads a JSON configuration text; relative paths resolve against <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="ServingConfigurationException">The text is not valid JSON or a setting is invalid.</exception>
    public static ServingConfiguration Parse(string json, string baseDirectory) => ServingConfigurationReader.Read(json, baseDirectory);

    /// <summary>
    /// Checks the configuration as a whole: something to serve, one directory per servable name, one key per servable
    /// version, valid endpoints.
    /// </summary>
    /// <exception cref="ServingConfigurationException">The first problem found; its message names the setting.</exception>
    public void Validate()
    {
        if (Servables.Count == 0 && string.IsNullOrEmpty(ServablesRoot))
        {
            throw new ServingConfigurationException("servables", "no servable is configured: give servables, or servables_root to serve every servable in it");
        }
        for (var i = 0; i < Servables.Count; i++)
        {
            var servable = Servables[i] ?? throw new ServingConfigurationException($"servables[{i}]", "the entry is null");
            for (var j = 0; j < i; j++)
            {
                var other = Servables[j];
                if (other.ServableName != servable.ServableName)
                {
                    continue;
                }
                if (!string.Equals(other.ResolvedServableDirectory, servable.ResolvedServableDirectory, StringComparison.Ordinal))
                {
                    throw new ServingConfigurationException($"servables[{i}].servable_directory",
                        $"servable '{servable.ServableName}' is configured with two directories, '{other.ResolvedServableDirectory}' and '{servable.ResolvedServableDirectory}'");
                }
                if (other.VersionNumber == servable.VersionNumber && !SameKey(other, servable))
                {
                    throw new ServingConfigurationException($"servables[{i}].dec_key",
                        $"servable '{servable.ServableName}' version {servable.VersionNumber} is configured with two different dec_key or dec_mode");
                }
            }
        }
        foreach (var (name, policy) in VersionPolicies)
        {
            if (policy is null)
            {
                throw new ServingConfigurationException($"version_policies.{name}", "the policy is null");
            }
        }
        foreach (var (key, limit) in MethodTimeouts)
        {
            var dot = key.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || dot == key.Length - 1)
            {
                throw new ServingConfigurationException($"method_timeouts_ms.{key}", "the key should be 'servable.method'");
            }
            if (limit != Timeout.InfiniteTimeSpan && (limit <= TimeSpan.Zero || limit > ExecutionOptions.MaxTimeLimit))
            {
                throw new ServingConfigurationException($"method_timeouts_ms.{key}",
                    $"should be in range [0,86400000] (0: no limit), but actually {limit.TotalMilliseconds}");
            }
        }
        if (LoadedMemoryBudgetMb > 0 && !LazyLoad)
        {
            throw new ServingConfigurationException("loaded_memory_budget_mb",
                "a memory budget needs lazy_load (--lazy-load): a version unloaded to make room loads again on its next request");
        }
        Grpc?.Validate("grpc");
        Rest?.Validate("rest");
        Admin.Validate("admin");
        if (MetricsAddress is not null && string.IsNullOrWhiteSpace(MetricsAddress))
        {
            throw new ServingConfigurationException("metrics_address", "Parameter 'address' should not be empty str");
        }
    }

    internal static bool SameKey(ServableStartConfig a, ServableStartConfig b)
        => (a.DecKey is null && b.DecKey is null)
            || (a.DecKey is not null && b.DecKey is not null && a.DecMode == b.DecMode && a.DecKey.AsSpan().SequenceEqual(b.DecKey));
}
