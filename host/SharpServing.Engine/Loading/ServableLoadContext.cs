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
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = _resolver?.ResolveUnmanagedDllToPath(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }
}
