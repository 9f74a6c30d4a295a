using System.Reflection;

namespace SharpServing.Engine.Tests;

/// <summary>The repository root and cache folder, from the assembly metadata the test build writes.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Read("RepoRoot");

    public static string Cache { get; } = Read("SharpServingCache");

    private static string Read(string key)
        => typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
            ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}
