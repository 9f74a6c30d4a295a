using System.Reflection;

namespace SharpServing.Conformance.Tests;

/// <summary>
/// <c>known-failures.txt</c>: one line per case that fails with this ONNX Runtime, <c>suite/test_name  reason</c>;
/// blank lines and lines starting with <c>#</c> are ignored.
/// </summary>
internal static class KnownFailures
{
    public static string FilePath { get; } = Path.Combine(
        typeof(KnownFailures).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!,
        "tests", "SharpServing.Conformance.Tests", "known-failures.txt");

    public static IReadOnlyDictionary<string, string> Load()
    {
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadLines(FilePath))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var split = line.IndexOfAny([' ', '\t']);
            var id = split < 0 ? line : line[..split];
            known[id] = split < 0 ? "" : line[split..].Trim();
        }
        return known;
    }
}
