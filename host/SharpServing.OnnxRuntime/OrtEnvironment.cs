using Microsoft.ML.OnnxRuntime;

namespace SharpServing.OnnxRuntime;

/// <summary>
/// The process's ONNX Runtime environment (the package's <see cref="OrtEnv"/>): ORT's logger and global state. One per
/// process, created on first use with the level given to <see cref="Configure"/>; every session is created in it.
/// </summary>
/// <remarks>
/// Ownership: ONNX Runtime's package owns the environment and keeps it for the life of the process.
/// </remarks>
public sealed class OrtEnvironment
{
    /// <summary>ORT's name for its CUDA execution provider, as <see cref="AvailableProviders"/> lists it.</summary>
    public const string CudaProvider = "CUDAExecutionProvider";

    private static readonly Lock s_lock = new();
    private static OrtLoggingLevel s_logLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING;
    private static OrtEnvironment? s_shared;

    private OrtEnvironment(OrtEnv env)
    {
        Env = env;
        LogLevel = env.EnvLogLevel;
        Version = env.GetVersionString();
        AvailableProviders = env.GetAvailableProviders();
    }

    /// <summary>The environment, created on first use with the level given to <see cref="Configure"/> (default Warning).</summary>
    /// <exception cref="OrtException">The native library cannot be loaded, or ORT fails to create the environment.</exception>
    public static OrtEnvironment Shared
    {
        get
        {
            lock (s_lock)
            {
                return s_shared ??= Create(s_logLevel);
            }
        }
    }

    /// <summary>Sets ORT's log level. Only before the environment is first used.</summary>
    /// <exception cref="InvalidOperationException">The environment already exists.</exception>
    public static void Configure(OrtLoggingLevel level)
    {
        if (!Enum.IsDefined(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "Log level must be Verbose, Info, Warning, Error or Fatal.");
        }
        lock (s_lock)
        {
            if (s_shared is not null)
            {
                throw new InvalidOperationException(
                    $"The ONNX Runtime environment already exists (log level {s_shared.LogLevel}); configure it before the first session is created.");
            }
            s_logLevel = level;
        }
    }

    /// <summary>ORT's log level in this environment.</summary>
    public OrtLoggingLevel LogLevel { get; }

    /// <summary>The native library's version, e.g. <c>1.32.0</c>.</summary>
    public string Version { get; }

    /// <summary>The execution providers compiled into the loaded library (e.g. <c>CPUExecutionProvider</c>).</summary>
    public IReadOnlyList<string> AvailableProviders { get; }

    /// <summary>Whether the loaded library has the CUDA provider (the GPU package); its CUDA libraries may still be missing.</summary>
    public bool HasCudaProvider => AvailableProviders.Contains(CudaProvider, StringComparer.Ordinal);

    internal OrtEnv Env { get; }

    private static OrtEnvironment Create(OrtLoggingLevel level)
    {
        try
        {
            var options = new EnvironmentCreationOptions { logId = "SharpServing", logLevel = level };
            return new OrtEnvironment(OrtEnv.CreateInstanceWithOptions(ref options));
        }
        catch (OnnxRuntimeException e)
        {
            throw new OrtException(e);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            throw new OrtException(OrtErrorCode.Fail,
                $"The ONNX Runtime native library could not be loaded: {e.Message} It comes with the Microsoft.ML.OnnxRuntime "
                + "(or Microsoft.ML.OnnxRuntime.Gpu.Linux) package next to the assemblies (runtimes/linux-x64/native/libonnxruntime.so); "
                + "rebuild or republish SharpServing.", e);
        }
    }
}
