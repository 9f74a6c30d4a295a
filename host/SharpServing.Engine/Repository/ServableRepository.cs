using System.Globalization;

namespace SharpServing.Engine.Repository;

/// <summary>
/// The servables root on disk: <c>&lt;root&gt;/&lt;name&gt;/servable_config.csx</c> (or <c>plugin/&lt;Name&gt;.dll</c>) and version
/// folders named by positive integers. Reads the layout; loads nothing. Errors carry MindSpore Serving's texts (spec 7.1).
/// </summary>
public static class ServableRepository
{
    /// <summary>The script file name.</summary>
    public const string ScriptFileName = "servable_config.csx";

    /// <summary>The plugin folder name.</summary>
    public const string PluginFolderName = "plugin";

    /// <summary>A servables root as an absolute path: a relative one resolves against <see cref="AppContext.BaseDirectory"/>.</summary>
    public static string ResolveRoot(string servablesRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(servablesRoot);
        return Path.GetFullPath(servablesRoot, AppContext.BaseDirectory);
    }

    /// <summary>The names of the servable folders under <paramref name="servablesRoot"/> (folders holding a script or a
    /// plugin folder; hidden folders such as <c>.cache</c> are skipped), sorted.</summary>
    public static IReadOnlyList<string> ListServables(string servablesRoot)
    {
        var root = ResolveRoot(servablesRoot);
        if (!System.IO.Directory.Exists(root))
        {
            throw new Loading.ServableLoadException("", 0, $"Check servable config failed, directory '{root}' not exist, the servables root is missing");
        }
        return [.. new DirectoryInfo(root).EnumerateDirectories()
            .Where(d => !d.Name.StartsWith('.'))
            .Where(d => File.Exists(Path.Combine(d.FullName, ScriptFileName)) || System.IO.Directory.Exists(Path.Combine(d.FullName, PluginFolderName)))
            .Select(d => d.Name)
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>Reads the layout of servable <paramref name="name"/> under <paramref name="servablesRoot"/>.</summary>
    /// <exception cref="Loading.ServableLoadException">The folder or its configuration is missing or ambiguous.</exception>
    public static ServableLayout Inspect(string servablesRoot, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var root = ResolveRoot(servablesRoot);
        if (!System.IO.Directory.Exists(root))
        {
            throw Fail(name, $"Check servable config failed, directory '{root}' not exist, the servables root of servable '{name}' is missing");
        }
        var directory = Path.Combine(root, name);
        if (!System.IO.Directory.Exists(directory))
        {
            throw Fail(name, $"Check servable config failed, directory '{directory}' not exist, there is no servable '{name}' in '{root}'");
        }
        var script = Path.Combine(directory, ScriptFileName);
        var pluginFolder = Path.Combine(directory, PluginFolderName);
        var hasScript = File.Exists(script);
        var hasPlugin = System.IO.Directory.Exists(pluginFolder);
        if (hasScript && hasPlugin)
        {
            throw Fail(name, $"Check servable config failed, servable '{name}' has both '{script}' and a plugin folder '{pluginFolder}': keep one of them");
        }
        string configPath;
        ServableConfigKind kind;
        if (hasPlugin)
        {
            kind = ServableConfigKind.Plugin;
            configPath = FindPluginAssembly(name, pluginFolder);
        }
        else if (hasScript)
        {
            kind = ServableConfigKind.Script;
            configPath = script;
        }
        else
        {
            throw Fail(name, $"Check servable config failed, file '{script}' not exist, servable '{name}' needs {ScriptFileName} or a {PluginFolderName}/<Name>.dll");
        }
        return new ServableLayout(name, directory, kind, configPath, ListVersions(directory));
    }

    /// <summary>The canonical version folders (<c>[1-9][0-9]*</c>, fitting a long) of a servable folder, ascending;
    /// other names (<c>01</c>, <c>v2</c>, <c>0</c>) are ignored.</summary>
    public static IReadOnlyList<long> ListVersions(string servableDirectory)
    {
        if (!System.IO.Directory.Exists(servableDirectory))
        {
            return [];
        }
        return [.. new DirectoryInfo(servableDirectory).EnumerateDirectories()
            .Select(d => TryParseVersion(d.Name, out var v) ? v : 0)
            .Where(v => v > 0)
            .Order()];
    }

    /// <summary>Whether <paramref name="name"/> is a canonical version folder name, and its number.</summary>
    public static bool TryParseVersion(string name, out long version)
    {
        version = 0;
        if (string.IsNullOrEmpty(name) || name[0] is < '1' or > '9' || !name.All(char.IsAsciiDigit))
        {
            return false;
        }
        return long.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out version);
    }

    private static string FindPluginAssembly(string name, string pluginFolder)
    {
        // The main assembly is the one with a .deps.json (what `dotnet build` of a plugin project writes); else the only .dll.
        var depsFiles = System.IO.Directory.GetFiles(pluginFolder, "*.deps.json");
        if (depsFiles.Length == 1)
        {
            var main = depsFiles[0][..^".deps.json".Length] + ".dll";
            if (File.Exists(main))
            {
                return main;
            }
            throw Fail(name, $"Check servable config failed, file '{main}' not exist, it is named by '{depsFiles[0]}'");
        }
        var assemblies = System.IO.Directory.GetFiles(pluginFolder, "*.dll");
        if (assemblies.Length == 1)
        {
            return assemblies[0];
        }
        // face_detect → FaceDetect.dll: the servable's name without separators, case ignored.
        var simple = name.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        var named = assemblies.Where(a => string.Equals(Path.GetFileNameWithoutExtension(a), simple, StringComparison.OrdinalIgnoreCase)).ToList();
        if (named.Count == 1)
        {
            return named[0];
        }
        if (assemblies.Length == 0)
        {
            throw Fail(name, $"Check servable config failed, file '{Path.Combine(pluginFolder, "<Name>.dll")}' not exist, the plugin folder of servable '{name}' has no assembly");
        }
        throw Fail(name,
            $"Check servable config failed, the plugin folder '{pluginFolder}' of servable '{name}' has {assemblies.Length} assemblies, "
            + $"no single .deps.json and no {simple}.dll to tell the main one");
    }

    private static Loading.ServableLoadException Fail(string name, string message) => new(name, 0, message);
}
