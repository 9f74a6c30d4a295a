using System.Reflection;

namespace SharpServing.Sdk.Tests;

/// <summary>Where the repository and this project's fixtures are, from the build's assembly metadata.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = typeof(TestPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepoRoot").Value!;

    public static string Fixture(string name) => Path.Combine(RepoRoot, "tests", "SharpServing.Sdk.Tests", "Fixtures", name);
}
