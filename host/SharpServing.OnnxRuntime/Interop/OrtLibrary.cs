using System.Reflection;
using System.Runtime.InteropServices;

namespace SharpServing.OnnxRuntime.Interop;

/// <summary>
/// Finds and loads <c>libonnxruntime</c>, and exposes its one exported symbol, <c>OrtGetApiBase</c>.
/// </summary>
/// <remarks>
/// Search order: the path in <see cref="PathVariable"/> (when set, it is the only candidate: a wrong path is an error,
/// not a reason to pick some other library); <c>libonnxruntime.so</c> and <c>libonnxruntime.so.1</c> next to the
/// application (the project file copies the cached library there); then the system's default search. The search runs
/// once, before the first call; the <c>DllImport</c> resolver then hands the runtime the library it found.
/// </remarks>
internal static partial class OrtLibrary
{
    /// <summary>Environment variable naming the library file to load.</summary>
    public const string PathVariable = "SHARPSERVING_ORT_LIBRARY";

    public const string InstallHint =
        "Install it with ./test.sh or ./serve.sh (they put ONNX Runtime 1.30 into .cache/onnxruntime and builds copy it next to the assemblies), "
        + "or set " + PathVariable + " to the path of libonnxruntime.so.1.";

    private const string LibraryName = "onnxruntime";
    private static readonly string[] s_fileNames = ["libonnxruntime.so", "libonnxruntime.so.1"];
    private static nint s_handle;

    static OrtLibrary() => NativeLibrary.SetDllImportResolver(typeof(OrtLibrary).Assembly, Resolve);

    /// <summary>Where the library was loaded from (a path, or a name the system resolved).</summary>
    public static string? LoadedFrom { get; private set; }

    /// <summary>
    /// Loads the library and calls <c>OrtGetApiBase</c>. Called once (by <see cref="OrtApi.Instance"/>).
    /// </summary>
    /// <exception cref="OrtException">No library loads, or the one that loads is not ONNX Runtime; the message says how to install it.</exception>
    public static nint GetApiBase()
    {
        var attempts = new List<string>();
        s_handle = Find(attempts);
        if (s_handle == 0)
        {
            throw new OrtException(OrtErrorCode.Fail,
                "The ONNX Runtime native library could not be loaded. Tried: " + string.Join("; ", attempts) + ". " + InstallHint);
        }
        try
        {
            return OrtGetApiBase();
        }
        catch (EntryPointNotFoundException e)
        {
            throw new OrtException(OrtErrorCode.Fail,
                $"The library loaded as ONNX Runtime ({LoadedFrom}) has no OrtGetApiBase symbol: it is not ONNX Runtime. " + InstallHint, e);
        }
    }

    [LibraryImport(LibraryName)]
    [UnmanagedCallConv(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static partial nint OrtGetApiBase();

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
        => libraryName == LibraryName ? s_handle : 0;

    private static nint Find(List<string> attempts)
    {
        var configured = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrEmpty(configured))
        {
            return TryLoadFile(configured, $"{PathVariable}={configured}", attempts);
        }
        foreach (var name in s_fileNames)
        {
            var path = Path.Combine(AppContext.BaseDirectory, name);
            if (!File.Exists(path))
            {
                attempts.Add($"{path} (not found)");
                continue;
            }
            var handle = TryLoadFile(path, path, attempts);
            if (handle != 0)
            {
                return handle;
            }
        }
        foreach (var name in s_fileNames)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                LoadedFrom = name;
                return handle;
            }
            attempts.Add($"{name} on the system's library path (not found)");
        }
        return 0;
    }

    private static nint TryLoadFile(string path, string description, List<string> attempts)
    {
        try
        {
            var handle = NativeLibrary.Load(path);
            LoadedFrom = path;
            return handle;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            // The dynamic loader's own text (its last line) says why: missing file, wrong architecture, glibc too old.
            var reason = e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? e.Message;
            attempts.Add($"{description} ({reason})");
            return 0;
        }
    }
}
