namespace SharpServing.OnnxRuntime;

/// <summary>
/// How a session is opened. Plain options: read once by <see cref="OrtSession.FromFile"/> and
/// <see cref="OrtSession.FromBytes"/>; changing them later does not affect open sessions.
/// </summary>
public sealed class OrtSessionOptions
{
    /// <summary>The most threads either thread setting accepts.</summary>
    public const int MaxThreads = 1024;

    private int _intraOpThreads;
    private int _interOpThreads;
    private GraphOptimizationLevel _optimizationLevel = GraphOptimizationLevel.All;
    private ExecutionProvider _provider = ExecutionProvider.Cpu;
    private int _deviceId;

    /// <summary>Threads that run one operator in parallel. Default 0 (ORT's choice: one per physical core); 0..1024.</summary>
    public int IntraOpThreads
    {
        get => _intraOpThreads;
        set => _intraOpThreads = CheckThreads(value);
    }

    /// <summary>Threads that run independent operators in parallel. Default 0 (ORT's choice); 0..1024.</summary>
    public int InterOpThreads
    {
        get => _interOpThreads;
        set => _interOpThreads = CheckThreads(value);
    }

    /// <summary>
    /// Whether the session's worker threads spin for a while after their work before they sleep: lower latency for
    /// back-to-back runs, at the price of CPU time that other threads of the process (a server's I/O) cannot use.
    /// Default null: ORT's default (spin).
    /// </summary>
    public bool? AllowSpinning { get; set; }

    /// <summary>Graph rewrites applied when the session opens. Default <see cref="GraphOptimizationLevel.All"/>.</summary>
    public GraphOptimizationLevel OptimizationLevel
    {
        get => _optimizationLevel;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "OptimizationLevel must be None, Basic, Extended or All.");
            }
            _optimizationLevel = value;
        }
    }

    /// <summary>Where the session runs. Default <see cref="ExecutionProvider.Cpu"/>.</summary>
    public ExecutionProvider Provider
    {
        get => _provider;
        set
        {
            if (!Enum.IsDefined(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Provider must be Cpu or Cuda.");
            }
            _provider = value;
        }
    }

    /// <summary>The GPU the session runs on when <see cref="Provider"/> is <see cref="ExecutionProvider.Cuda"/>. Default 0; at least 0.</summary>
    public int DeviceId
    {
        get => _deviceId;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _deviceId = value;
        }
    }

    /// <summary>A copy, so a session keeps the settings it was opened with.</summary>
    public OrtSessionOptions Clone() => (OrtSessionOptions)MemberwiseClone();

    /// <summary>For diagnostics.</summary>
    public override string ToString()
        => $"Provider={Provider}{(Provider == ExecutionProvider.Cuda ? $" DeviceId={DeviceId}" : "")} IntraOpThreads={IntraOpThreads} InterOpThreads={InterOpThreads} AllowSpinning={AllowSpinning?.ToString() ?? "default"} OptimizationLevel={OptimizationLevel}";

    private static int CheckThreads(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxThreads);
        return value;
    }
}
