namespace SharpServing.Engine;

/// <summary>
/// How a model session opens: threads, spinning, graph optimization and device. Plain options: read once when the
/// session opens; changing them later does not affect open sessions.
/// </summary>
public sealed class ModelSessionOptions
{
    /// <summary>The most threads either thread setting accepts.</summary>
    public const int MaxThreads = 1024;

    private int _intraOpThreads;
    private int _interOpThreads;
    private ModelOptimizationLevel _optimizationLevel = ModelOptimizationLevel.All;
    private DeviceType _device = DeviceType.Cpu;
    private int _deviceId;

    /// <summary>
    /// Threads that run one operator in parallel. Default 0 (the runtime's choice: one per physical core; the ONNX Runtime
    /// adapter passes that count explicitly, so its threads are not pinned to cores); 0..1024.
    /// </summary>
    public int IntraOpThreads
    {
        get => _intraOpThreads;
        set => _intraOpThreads = CheckThreads(value);
    }

    /// <summary>Threads that run independent operators in parallel. Default 0 (the runtime's choice); 0..1024.</summary>
    public int InterOpThreads
    {
        get => _interOpThreads;
        set => _interOpThreads = CheckThreads(value);
    }

    /// <summary>
    /// Whether the session's worker threads spin for a while after their work before they sleep: lower latency for
    /// back-to-back runs, at the price of CPU time other threads of the process cannot use. Default null: the runtime's
    /// default (ONNX Runtime: spin).
    /// </summary>
    public bool? AllowSpinning { get; set; }

    /// <summary>Graph rewrites applied when the session opens. Default <see cref="ModelOptimizationLevel.All"/>.</summary>
    public ModelOptimizationLevel OptimizationLevel
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

    /// <summary>Where the session runs: <see cref="DeviceType.Cpu"/> (default) or <see cref="DeviceType.Gpu"/>; never Auto.</summary>
    public DeviceType Device
    {
        get => _device;
        set
        {
            if (value is not (DeviceType.Cpu or DeviceType.Gpu))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "Device must be Cpu or Gpu.");
            }
            _device = value;
        }
    }

    /// <summary>The GPU the session runs on when <see cref="Device"/> is <see cref="DeviceType.Gpu"/>. Default 0; at least 0.</summary>
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
    public ModelSessionOptions Clone() => (ModelSessionOptions)MemberwiseClone();

    /// <summary>For diagnostics.</summary>
    public override string ToString()
        => $"Device={Device}{(Device == DeviceType.Gpu ? $" DeviceId={DeviceId}" : "")} IntraOpThreads={IntraOpThreads} InterOpThreads={InterOpThreads} AllowSpinning={AllowSpinning?.ToString() ?? "default"} OptimizationLevel={OptimizationLevel}";

    private static int CheckThreads(int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxThreads);
        return value;
    }
}
