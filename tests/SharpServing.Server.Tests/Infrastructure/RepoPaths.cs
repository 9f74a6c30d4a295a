using System.Reflection;

namespace SharpServing.Server.Tests.Infrastructure;

/// <summary>Where the repository is (from the assembly metadata set by tests/Directory.Build.props).</summary>
public static class RepoPaths
{
    public static string Root { get; } = typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepoRoot").Value!;

    public static string Combine(params string[] parts) => Path.GetFullPath(Path.Combine([Root, .. parts]));
}
