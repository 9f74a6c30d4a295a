namespace SharpServing.Engine.Loading;

/// <summary>What scripts compile with, kept apart from <see cref="ScriptCompiler"/> so the cache key can be built
/// without loading Roslyn.</summary>
internal static class ScriptCompilerOptions
{
    /// <summary>Namespaces every script sees without a <c>using</c> (SDK namespaces only where the SDK has them).</summary>
    public static readonly IReadOnlyList<string> Usings =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Text", "System.Threading",
        "System.Threading.Tasks", "SharpServing", "SharpServing.Imaging",
    ];
}
