using System.Reflection;
using System.Runtime.Loader;

namespace SharpServing.Engine.Loading;

/// <summary>
/// The collectible load context of one servable version: its compiled script or its plugin and the plugin's private
/// dependencies. The SDK always comes from the default context (one <c>ServableBuilder</c> type for host and servable);
/// so does every framework assembly. A plugin's other dependencies resolve through its <c>.deps.json</c>.
/// </summary>
internal sealed class ServableLoadContext : AssemblyLoadContext
{
    private static readonly string s_sdkName = typeof(ServableBuilder).Assembly.GetName().Name!;

    private readonly AssemblyDependencyResolver? _resolver;
    private readonly string? _pluginFolder;

    public ServableLoadContext(string name, string? pluginPath)
        : base(name, isCollectible: true)
    {
        if (pluginPath is not null)
        {
            _resolver = new AssemblyDependencyResolver(pluginPath);
            _pluginFolder = Path.GetDirectoryName(pluginPath);
        }
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (string.Equals(assemblyName.Name, s_sdkName, StringComparison.Ordinal) || _resolver is null)
        {
            return null;
        }
        var path = _resolver.ResolveAssemblyToPath(assemblyName);
        if (path is null && assemblyName.Name is { } simpleName)
        {
            // A plugin folder without a .deps.json: its own assemblies sit next to the main one.
            var candidate = Path.Combine(_pluginFolder!, simpleName + ".dll");
            path = File.Exists(candidate) ? candidate : null;
        }
        // Framework assemblies are not the plugin's: null falls back to the default context.
        return path is null ? null : LoadFromFileBytes(path);
    }

    /// <summary>
    /// Loads an assembly file (and its .pdb, if any) from its bytes rather than its path: the runtime caches images by
    /// path, so a plugin file replaced on disk and loaded by path while the old version is still loaded would hand back
    /// the old code. Reading the bytes also leaves the file free to be replaced while this context lives.
    /// </summary>
    public Assembly LoadFromFileBytes(string path)
    {
        using var assembly = new MemoryStream(File.ReadAllBytes(path), writable: false);
        var symbolsPath = Path.ChangeExtension(path, ".pdb");
        using var symbols = File.Exists(symbolsPath) ? new MemoryStream(File.ReadAllBytes(symbolsPath), writable: false) : null;
        return LoadFromStream(assembly, symbols);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver?.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
