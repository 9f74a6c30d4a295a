using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace SharpServing.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A C# snippet of the documentation compiled as a user's console program would be (top-level statements, the SDK's
/// implicit usings, a reference to the client library) and run as its own process.
/// </summary>
internal static class SnippetProgram
{
    private const string ImplicitUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        """;

    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
    {
        var framework = RuntimeEnvironment.GetRuntimeDirectory();
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.StartsWith(framework, StringComparison.Ordinal));
        return [.. platform.Concat(LibraryFiles).Select(p => MetadataReference.CreateFromFile(p))];
    });

    /// <summary>The client library and every assembly it needs outside the runtime: copied next to a compiled snippet.</summary>
    private static IEnumerable<string> LibraryFiles => s_libraryFiles.Value;

    private static readonly Lazy<string[]> s_libraryFiles = new(() =>
    {
        var framework = RuntimeEnvironment.GetRuntimeDirectory();
        var found = new Dictionary<string, string>(StringComparer.Ordinal);
        var pending = new Stack<System.Reflection.Assembly>([typeof(Client).Assembly]);
        while (pending.TryPop(out var assembly))
        {
            if (assembly.Location.StartsWith(framework, StringComparison.Ordinal) || !found.TryAdd(assembly.GetName().Name!, assembly.Location))
            {
                continue;
            }
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                pending.Push(System.Reflection.Assembly.Load(reference));
            }
        }
        return [.. found.Values];
    });

    /// <summary>Compiles <paramref name="source"/>; fails the test with the compiler's errors.</summary>
    public static string Compile(string source, string folder, string name = "snippet", OutputKind kind = OutputKind.ConsoleApplication)
    {
        var compilation = CSharpCompilation.Create(name,
            [CSharpSyntaxTree.ParseText(ImplicitUsings, path: "Usings.cs"), CSharpSyntaxTree.ParseText(source, path: "Program.cs")],
            s_references.Value,
            new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        var dll = Path.Combine(folder, name + ".dll");
        using (var stream = File.Create(dll))
        {
            var result = compilation.Emit(stream);
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(result.Success, $"The snippet does not compile:\n{string.Join('\n', errors)}\n{source}");
        }
        if (kind != OutputKind.ConsoleApplication)
        {
            return dll;
        }
        foreach (var file in LibraryFiles)
        {
            File.Copy(file, Path.Combine(folder, Path.GetFileName(file)), overwrite: true);
        }
        var version = Environment.Version;
        var framework = $"{version.Major}.{version.Minor}";
        File.WriteAllText(Path.Combine(folder, name + ".runtimeconfig.json"),
            "{\"runtimeOptions\":{\"tfm\":\"net" + framework + "\",\"framework\":{\"name\":\"Microsoft.NETCore.App\",\"version\":\"" + framework + ".0\"}}}");
        return dll;
    }

    /// <summary>Compiles and runs <paramref name="source"/> in a temp folder; returns how it ended.</summary>
    public static async Task<ProcessResult> RunAsync(string source, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        using var folder = new TempDirectory("ss-snippet-");
        var dll = Compile(source, folder.Path);
        return await Tool.RunAsync("dotnet", [dll], workingDirectory ?? folder.Path, timeout);
    }

    /// <summary>The expected output written as the comment lines that end a snippet (<c>// text</c>).</summary>
    public static IReadOnlyList<string> TrailingComments(IReadOnlyList<string> lines)
    {
        var end = lines.Count;
        while (end > 0 && lines[end - 1].StartsWith("// ", StringComparison.Ordinal))
        {
            end--;
        }
        return [.. lines.Skip(end).Select(l => l[3..])];
    }
}
