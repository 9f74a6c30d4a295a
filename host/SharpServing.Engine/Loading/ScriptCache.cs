using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace SharpServing.Engine.Loading;

/// <summary>
/// Compiled scripts by content hash, in a folder: <c>&lt;hash&gt;.dll</c> and <c>&lt;hash&gt;.pdb</c>. The hash covers the
/// script text and path, the SDK build (its module version id), the runtime version, the compiler version and the
/// compile options, so any change recompiles. A hit touches no Roslyn type (Roslyn is not even loaded); only a miss
/// calls <see cref="ScriptCompiler"/>. A folder that cannot be written disables caching; the cache is never required.
/// </summary>
internal sealed class ScriptCache
{
    // Bump when the compile options or the way scripts are compiled change.
    private const string FormatTag = "sharpserving-csx-v1";

    private static readonly string s_environmentKey = BuildEnvironmentKey();

    public ScriptCache(string? directory)
    {
        Directory = directory;
    }

    /// <summary>The cache folder; null when caching is off.</summary>
    public string? Directory { get; }

    /// <summary>The compiled script for <paramref name="scriptPath"/>, from the cache or freshly compiled (then stored).</summary>
    /// <exception cref="ScriptCompilationException">The script has compile errors.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while compiling.</exception>
    public CompiledScript GetOrCompile(string scriptPath, string scriptText, out string? cacheWarning, CancellationToken cancellationToken = default)
    {
        cacheWarning = null;
        var key = Key(scriptPath, scriptText);
        if (Directory is not null)
        {
            var cached = TryRead(key, out cacheWarning);
            if (cached is not null)
            {
                return cached;
            }
        }
        var compiled = CompileMiss(scriptPath, scriptText, $"servable_config_{key[..16]}", cancellationToken);
        if (Directory is not null)
        {
            cacheWarning ??= TryWrite(key, compiled);
        }
        return compiled;
    }

    /// <summary>Forgets a cached entry that turned out to be unloadable.</summary>
    public void Evict(string scriptPath, string scriptText)
    {
        if (Directory is null)
        {
            return;
        }
        var key = Key(scriptPath, scriptText);
        File.Delete(Path.Combine(Directory, key + ".dll"));
        File.Delete(Path.Combine(Directory, key + ".pdb"));
    }

    internal static string Key(string scriptPath, string scriptText)
    {
        var text = string.Join('\n', FormatTag, s_environmentKey, Path.GetFullPath(scriptPath), scriptText);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    // Kept out of line: the JIT must not see Roslyn's types unless a script is really compiled.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static CompiledScript CompileMiss(string scriptPath, string scriptText, string assemblyName, CancellationToken cancellationToken)
        => ScriptCompiler.Compile(scriptPath, scriptText, assemblyName, cancellationToken);

    private CompiledScript? TryRead(string key, out string? warning)
    {
        warning = null;
        var dll = Path.Combine(Directory!, key + ".dll");
        var pdb = Path.Combine(Directory!, key + ".pdb");
        try
        {
            if (!File.Exists(dll))
            {
                return null;
            }
            var assembly = File.ReadAllBytes(dll);
            var symbols = File.Exists(pdb) ? File.ReadAllBytes(pdb) : null;
            return new CompiledScript(assembly, symbols, [], FromCache: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            warning = $"cannot read the compiled script cache entry '{dll}': {ex.Message}";
            return null;
        }
    }

    private string? TryWrite(string key, CompiledScript compiled)
    {
        var dll = Path.Combine(Directory!, key + ".dll");
        var pdb = Path.Combine(Directory!, key + ".pdb");
        try
        {
            System.IO.Directory.CreateDirectory(Directory!);
            // The PDB first, the assembly last and each by rename: a present .dll means a complete entry.
            if (compiled.Pdb is not null)
            {
                WriteAtomically(pdb, compiled.Pdb);
            }
            WriteAtomically(dll, compiled.Assembly);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot write the compiled script cache '{Directory}': {ex.Message}";
        }
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static string BuildEnvironmentKey()
    {
        var compiler = typeof(ScriptCache).Assembly.GetReferencedAssemblies()
            .FirstOrDefault(a => a.Name == "Microsoft.CodeAnalysis.CSharp")?.Version?.ToString() ?? "unknown";
        return string.Join('|',
            typeof(ServableBuilder).Assembly.ManifestModule.ModuleVersionId.ToString("N"),
            Environment.Version.ToString(),
            compiler,
            string.Join(',', ScriptCompilerOptions.Usings),
            "Release;Latest;PortablePdb");
    }
}
