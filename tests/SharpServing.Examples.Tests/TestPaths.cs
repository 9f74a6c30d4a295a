using System.Reflection;

namespace SharpServing.Examples.Tests;

/// <summary>Where the repository and its example servables are (from the build's assembly metadata).</summary>
internal static class TestPaths
{
    public static string RepoRoot => Metadata("RepoRoot");

    public static string Servables => Path.Combine(RepoRoot, "servables");

    /// <summary>The git-ignored cache the setup installs into (<c>SHARPSERVING_CACHE</c> at build time, else <c>.cache/</c>).</summary>
    public static string Cache => Metadata("SharpServingCache");

    /// <summary>A file of an example servable's version folder; fails with a clear message when the setup has not installed it.</summary>
    public static string ServableFile(string servable, string relativePath)
    {
        var path = Path.Combine(Servables, servable, relativePath);
        Assert.True(File.Exists(path), $"{path} is missing: run ./test.sh (or scripts/setup.sh) to install the example models and build Plugins.sln.");
        return path;
    }

    private static string Metadata(string key)
        => typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException($"Assembly metadata {key} has no value.");
}
