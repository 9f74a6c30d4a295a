namespace SharpServing.Engine.Configuration;

/// <summary>
/// Which servables run in worker processes, and the limits of those workers (docs/isolation.md). Default: every servable
/// in process, as without this setting.
/// </summary>
public sealed class IsolationOptions
{
    private long _memoryLimitMb;
    private TimeSpan? _requestTimeLimit;
    private TimeSpan _restartDelay = TimeSpan.FromMilliseconds(500);
    private TimeSpan _maxRestartDelay = TimeSpan.FromSeconds(30);

    /// <summary>The mode of every servable not named in <see cref="Servables"/>. Default <see cref="IsolationMode.InProcess"/>.</summary>
    public IsolationMode Mode { get; set; } = IsolationMode.InProcess;

    /// <summary>The mode of single servables by name, over <see cref="Mode"/>. Default empty.</summary>
    public IDictionary<string, IsolationMode> Servables { get; } = new Dictionary<string, IsolationMode>(StringComparer.Ordinal);

    /// <summary>
    /// The resident memory a worker may use, in MiB, before it is killed and restarted. Default 0: no limit. Range 0..1048576.
    /// Read from <c>/proc/&lt;pid&gt;/statm</c> every <see cref="MemoryCheckInterval"/>.
    /// </summary>
    public long MemoryLimitMb
    {
        get => _memoryLimitMb;
        set => _memoryLimitMb = value is >= 0 and <= 1048576
            ? value
            : throw new ArgumentOutOfRangeException(null, $"Parameter 'worker_memory_limit_mb' should be in range [0,1048576], but actually {value}");
    }

    /// <summary>How often a worker's resident memory is read when <see cref="MemoryLimitMb"/> is set. 250 ms.</summary>
    public static TimeSpan MemoryCheckInterval => TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long one request may run in a worker before the worker is killed and restarted (the only way to stop a
    /// runaway stage). Default null: no limit. Range 1 ms..1 day.
    /// </summary>
    public TimeSpan? RequestTimeLimit
    {
        get => _requestTimeLimit;
        set => _requestTimeLimit = value is null || (value.Value >= TimeSpan.FromMilliseconds(1) && value.Value <= TimeSpan.FromDays(1))
            ? value
            : throw new ArgumentOutOfRangeException(null, $"Parameter 'worker_time_limit_ms' should be in range [1,86400000], but actually {value.Value.TotalMilliseconds}");
    }

    /// <summary>The first wait before a crashed worker is started again; it doubles after each failed restart up to
    /// <see cref="MaxRestartDelay"/>, and resets once a worker has served for a minute. Default 500 ms, range 10 ms..1 min.</summary>
    public TimeSpan RestartDelay
    {
        get => _restartDelay;
        set => _restartDelay = value >= TimeSpan.FromMilliseconds(10) && value <= TimeSpan.FromMinutes(1)
            ? value
            : throw new ArgumentOutOfRangeException(null, $"Parameter 'worker_restart_delay_ms' should be in range [10,60000], but actually {value.TotalMilliseconds}");
    }

    /// <summary>The longest wait between restarts. Default 30 s, range 10 ms..10 min.</summary>
    public TimeSpan MaxRestartDelay
    {
        get => _maxRestartDelay;
        set => _maxRestartDelay = value >= TimeSpan.FromMilliseconds(10) && value <= TimeSpan.FromMinutes(10)
            ? value
            : throw new ArgumentOutOfRangeException(null, $"Parameter 'worker_max_restart_delay_ms' should be in range [10,600000], but actually {value.TotalMilliseconds}");
    }

    /// <summary>The mode of <paramref name="servable"/>.</summary>
    public IsolationMode ModeOf(string servable)
        => Servables.TryGetValue(servable, out var mode) ? mode : Mode;

    /// <summary>Whether any servable may run in a worker process.</summary>
    public bool Any => Mode == IsolationMode.Process || Servables.Values.Any(m => m == IsolationMode.Process);

    /// <summary>Parses <c>process</c>, <c>in-process</c> (also <c>in_process</c>, <c>none</c>).</summary>
    /// <exception cref="ArgumentException">Another word.</exception>
    public static IsolationMode ParseMode(string text) => text.ToLowerInvariant() switch
    {
        "process" => IsolationMode.Process,
        "in-process" or "in_process" or "inprocess" or "none" => IsolationMode.InProcess,
        _ => throw new ArgumentException($"isolation should be 'process' or 'in-process', not '{text}'"),
    };
}
