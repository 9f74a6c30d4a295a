using System.Reflection;
using System.Runtime.Loader;
using McMaster.NETCore.Plugins;

namespace SharpServing.Engine.Loading;

/// <summary>
/// The code of one servable version in its own collectible load context: a compiled script in a plain context, or a
/// plugin with its private dependencies in the context of a <see cref="PluginLoader"/>. The SDK always resolves from the
/// default context (one <c>ServableBuilder</c> type for host and servable), and so does the framework. Disposing unloads
/// the context; the runtime collects it once nothing references its code any more.
/// </summary>
internal sealed class ServableCode : IDisposable
{
    private PluginLoader? _plugin;
    private AssemblyLoadContext? _context;

    private ServableCode(AssemblyLoadContext context, PluginLoader? plugin)
    {
        _context = context;
        _plugin = plugin;
    }

    /// <summary>The version's load context.</summary>
    public AssemblyLoadContext LoadContext => _context ?? throw new ObjectDisposedException(nameof(ServableCode));

    /// <summary>An empty context for a compiled script: every reference of a script (the SDK, the framework) resolves
    /// from the default context.</summary>
    public static ServableCode ForScript(string name) => new(new AssemblyLoadContext(name, isCollectible: true), plugin: null);

    /// <summary>
    /// A context for the plugin whose main assembly is <paramref name="mainAssemblyPath"/> (absolute). Its other
    /// assemblies and native libraries resolve through its <c>.deps.json</c> or from its folder; only the SDK is shared.
    /// Assemblies are read into memory rather than mapped from their files: the runtime caches images by path, so a
    /// plugin replaced on disk and loaded by path while the old version still runs would hand back the old code; and the
    /// files stay free to be replaced while this version lives.
    /// </summary>
    /// <exception cref="InvalidOperationException">The plugin's <c>.deps.json</c> cannot be read.</exception>
    public static ServableCode ForPlugin(string mainAssemblyPath)
    {
        var plugin = PluginLoader.CreateFromAssemblyFile(mainAssemblyPath, sharedTypes: [typeof(ServableBuilder)], config =>
        {
            config.IsUnloadable = true;
            config.LoadInMemory = true;
        });
        return new ServableCode(plugin.LoadContext, plugin);
    }

    /// <summary>Loads the plugin's main assembly.</summary>
    public Assembly LoadPluginAssembly()
    {
        ObjectDisposedException.ThrowIf(_context is null, this);
        return (_plugin ?? throw new InvalidOperationException("A script's load context has no plugin assembly")).LoadDefaultAssembly();
    }

    /// <summary>Unloads the context (a plugin through its loader) and drops every reference to it. Idempotent.</summary>
    public void Dispose()
    {
        var plugin = _plugin;
        var context = _context;
        _plugin = null;
        _context = null;
        if (plugin is not null)
        {
            plugin.Dispose();
        }
        else
        {
            context?.Unload();
        }
    }
}
