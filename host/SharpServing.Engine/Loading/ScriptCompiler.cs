using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace SharpServing.Engine.Loading;

/// <summary>
/// Compiles <c>servable_config.csx</c> scripts with Roslyn: a script compilation whose globals are a
/// <see cref="ServableBuilder"/>, referencing the framework and the SDK only, emitted with a portable PDB. The only
/// type that touches Roslyn: a start whose scripts are all cached never loads it.
/// </summary>
internal static class ScriptCompiler
{
    private const int MaxReportedErrors = 20;

    // Built once per process: creating ~170 metadata references costs ~0.4 s.
    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(BuildReferences);
    private static readonly Lock s_keepAliveLock = new();

    // The last compilation, kept alive: Roslyn's symbol caches for the references survive forced GCs through it.
    private static Compilation? s_lastCompilation;

    /// <summary>Compiles <paramref name="scriptText"/> read from <paramref name="scriptPath"/>.</summary>
    /// <exception cref="ScriptCompilationException">Compile errors, one line each: <c>servable_config.csx(3,9): error CS0029: …</c>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (Roslyn checks it
    /// throughout parsing, binding and emitting).</exception>
    public static CompiledScript Compile(string scriptPath, string scriptText, string assemblyName, CancellationToken cancellationToken = default)
    {
        var parseOptions = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Script);
        var tree = CSharpSyntaxTree.ParseText(SourceText.From(scriptText, Encoding.UTF8), parseOptions, scriptPath, cancellationToken);
        var options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            usings: AvailableUsings(),
            optimizationLevel: OptimizationLevel.Release,
            deterministic: true,
            concurrentBuild: false);
        var compilation = CSharpCompilation.CreateScriptCompilation(
            assemblyName, tree, s_references.Value, options, previousScriptCompilation: null,
            returnType: typeof(object), globalsType: typeof(ServableBuilder));

        using var assembly = new MemoryStream();
        using var pdb = new MemoryStream();
        var result = compilation.Emit(assembly, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb),
            cancellationToken: cancellationToken);
        lock (s_keepAliveLock)
        {
            s_lastCompilation = compilation;
        }
        var fileName = Path.GetFileName(scriptPath);
        if (!result.Success)
        {
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).OrderBy(d => d.Location.SourceSpan.Start).ToList();
            var lines = errors.Take(MaxReportedErrors).Select(d => Format(d, fileName)).ToList();
            if (errors.Count > MaxReportedErrors)
            {
                lines.Add($"... and {errors.Count - MaxReportedErrors} more errors");
            }
            throw new ScriptCompilationException(lines);
        }
        var warnings = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning).Select(d => Format(d, fileName)).ToList();
        return new CompiledScript(assembly.ToArray(), pdb.ToArray(), warnings, FromCache: false);
    }

    /// <summary>A diagnostic as <c>servable_config.csx(3,9): error CS0029: message</c> (1-based line and column).</summary>
    private static string Format(Diagnostic diagnostic, string fileName)
    {
        var severity = diagnostic.Severity == DiagnosticSeverity.Error ? "error" : "warning";
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        if (!diagnostic.Location.IsInSource)
        {
            return $"{fileName}: {severity} {diagnostic.Id}: {message}";
        }
        var position = diagnostic.Location.GetLineSpan().StartLinePosition;
        return $"{fileName}({position.Line + 1},{position.Character + 1}): {severity} {diagnostic.Id}: {message}";
    }

    private static IEnumerable<string> AvailableUsings()
    {
        var sdkNamespaces = typeof(ServableBuilder).Assembly.GetExportedTypes().Select(t => t.Namespace).ToHashSet(StringComparer.Ordinal);
        return ScriptCompilerOptions.Usings.Where(u => !u.StartsWith("SharpServing", StringComparison.Ordinal) || sdkNamespaces.Contains(u));
    }

    private static ImmutableArray<MetadataReference> BuildReferences()
    {
        // The framework's own assemblies (not the host's other dependencies) plus the SDK: scripts see only the SDK.
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var trusted = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => string.Equals(Path.GetDirectoryName(p), frameworkDirectory, StringComparison.Ordinal)
                && p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase));
        var builder = ImmutableArray.CreateBuilder<MetadataReference>();
        foreach (var path in trusted)
        {
            if (IsManagedAssembly(path))
            {
                builder.Add(MetadataReference.CreateFromFile(path));
            }
        }
        builder.Add(MetadataReference.CreateFromFile(typeof(ServableBuilder).Assembly.Location));
        return builder.ToImmutable();
    }

    private static bool IsManagedAssembly(string path)
    {
        try
        {
            _ = AssemblyName.GetAssemblyName(path);
            return true;
        }
        catch (BadImageFormatException)
        {
            return false;
        }
    }
}
