using System.Runtime.InteropServices;
using SharpServing.OnnxRuntime.Interop;

namespace SharpServing.OnnxRuntime;

/// <summary>
/// The process's ONNX Runtime environment (<c>OrtEnv</c>): ORT's logger and global state. One per process, created on
/// first use; every session is created in it.
/// </summary>
/// <remarks>
/// Ownership: the environment lives until <see cref="Dispose"/> (normally never: the process ends first). Each open
/// session holds a reference, so disposing the environment releases it only after the last session is disposed.
/// </remarks>
public sealed class OrtEnvironment : IDisposable
{
    private static readonly Lock s_lock = new();
    private static OrtLogLevel s_logLevel = OrtLogLevel.Warning;
    private static OrtEnvironment? s_shared;

    private readonly Lazy<string[]> _providers = new(ReadProviders);

    private OrtEnvironment(EnvHandle handle, OrtLogLevel logLevel, string version)
    {
        Handle = handle;
        LogLevel = logLevel;
        Version = version;
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
    public static void Configure(OrtLogLevel level)
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
    public OrtLogLevel LogLevel { get; }

    /// <summary>The native library's version, e.g. <c>1.30.0</c>.</summary>
    public string Version { get; }

    /// <summary>The execution providers compiled into the loaded library (e.g. <c>CPUExecutionProvider</c>).</summary>
    public IReadOnlyList<string> AvailableProviders => _providers.Value;

    /// <summary>ORT's build description (version, git commit, build type).</summary>
    public static unsafe string BuildInfo => Marshal.PtrToStringUTF8((nint)OrtApi.Instance.GetBuildInfoString()) ?? "";

    internal EnvHandle Handle { get; }

    /// <summary>
    /// Gives up the process's reference on the native environment. Meant for process shutdown: sessions already open
    /// keep working, new sessions throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose() => Handle.Dispose();

    private static unsafe OrtEnvironment Create(OrtLogLevel level)
    {
        var api = OrtApi.Instance;
        nint env;
        var logId = "SharpServing\0"u8;
        fixed (byte* id = logId)
        {
            api.Check(api.CreateEnv(level, id, &env));
        }
        return new OrtEnvironment(new EnvHandle(env), level, api.Version);
    }

    private static unsafe string[] ReadProviders()
    {
        var api = OrtApi.Instance;
        byte** names;
        int count;
        api.Check(api.GetAvailableProviders(&names, &count));
        try
        {
            var result = new string[count];
            for (var i = 0; i < count; i++)
            {
                result[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? "";
            }
            return result;
        }
        finally
        {
            api.Check(api.ReleaseAvailableProviders(names, count));
        }
    }
}
