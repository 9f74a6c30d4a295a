namespace SharpServing.Engine.Repository;

/// <summary>What a servable folder holds: its configuration (script or plugin) and its version folders, ascending.</summary>
/// <param name="Name">The servable's name (its folder name).</param>
/// <param name="Directory">The servable folder, absolute.</param>
/// <param name="ConfigKind">Script or plugin.</param>
/// <param name="ConfigPath">The script file, or the plugin's main assembly.</param>
/// <param name="Versions">The version folders with canonical names (<c>[1-9][0-9]*</c>), ascending.</param>
public sealed record ServableLayout(string Name, string Directory, ServableConfigKind ConfigKind, string ConfigPath, IReadOnlyList<long> Versions)
{
    /// <summary>The folder of version <paramref name="version"/> (whether or not it exists).</summary>
    public string VersionDirectory(long version)
        => Path.Combine(Directory, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
