using System.Reflection;

namespace SharpServing.OnnxRuntime.Tests;

/// <summary>Where the repository and its cache are (from the build's assembly metadata), and temp folders.</summary>
internal static class TestPaths
{
    public static string RepoRoot => Metadata("RepoRoot");

    public static string Cache => Metadata("SharpServingCache");

    /// <summary>A model installed by the setup into .cache/models; fails with a clear message when it is missing.</summary>
    public static string Model(string relativePath)
    {
        var path = Path.Combine(Cache, "models", relativePath);
        Assert.True(File.Exists(path), $"{path} is missing: run ./test.sh (or scripts/setup.sh) to install the example models.");
        return path;
    }

    private static string Metadata(string key)
        => typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException($"Assembly metadata {key} has no value.");
}
