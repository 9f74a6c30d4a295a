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

    /// <summary>Whether <c>GET /metrics</c> (Prometheus text format, OpenMetrics on request) is served on the RESTful
    /// listener. Default true (docs/observability.md).</summary>
    public bool Metrics { get; set; } = true;

    /// <summary>An OTLP collector (e.g. <c>http://127.0.0.1:4317</c>) that receives the request spans; default null:
    /// tracing off.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>Whether each request writes one access log line (category <c>SharpServing.AccessLog</c>). Default false.</summary>
    public bool AccessLog { get; set; }

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
        Grpc?.Validate("grpc");
        Rest?.Validate("rest");
    }

    internal static bool SameKey(ServableStartConfig a, ServableStartConfig b)
        => (a.DecKey is null && b.DecKey is null)
            || (a.DecKey is not null && b.DecKey is not null && a.DecMode == b.DecMode && a.DecKey.AsSpan().SequenceEqual(b.DecKey));
}
