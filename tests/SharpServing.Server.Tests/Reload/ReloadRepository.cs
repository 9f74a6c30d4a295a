using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using SharpServing.Server.Tests.Infrastructure;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Server.Tests.Reload;

/// <summary>
/// A temporary servables root whose servables tell in every reply which version and which edit answered: <c>add</c>
/// (a script) and <c>adder</c> (a plugin built here with Roslyn) both answer x1 + x2 + (version × 100 + constant).
/// Changes are made as a user should make them: new versions and plugins renamed in, scripts saved in place.
/// </summary>
internal sealed class ReloadRepository : IDisposable
{
    private static readonly Lazy<MetadataReference[]> s_references = new(() =>
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetDirectoryName(p) == Path.GetDirectoryName(typeof(object).Assembly.Location))
            .Select(p => MetadataReference.CreateFromFile(p)),
        MetadataReference.CreateFromFile(typeof(ServableBuilder).Assembly.Location),
    ]);

    private readonly TempDirectory _root = new("ss-reload-");

    public string Root => _root.Path;

    public static string Script(int edit) => $$"""
        var model = DeclareModel("tensor_add.onnx", withBatchDim: false);
        var offset = (float)(Version * 100 + {{edit}});
        RegisterMethod("add_common", outputs: ["y"], (x1, x2) => AddStage(Shift, AddStage(model, x1, x2)[0]));
        Tensor Shift(Tensor y) => Tensor.Create(y.AsSpan<float>().ToArray().Select(v => v + offset).ToArray(), 2, 2);
        """;

    public void WriteScript(string servable, int edit) => WriteScriptText(servable, Script(edit));

    public void WriteScriptText(string servable, string text)
    {
        Directory.CreateDirectory(_root.Combine(servable));
        File.WriteAllText(_root.Combine(servable, "servable_config.csx"), text);
    }

    /// <summary>Copies a version in: into <c>.N.tmp</c> (ignored), then one rename to <c>N</c>.</summary>
    public void AddVersion(string servable, long version)
    {
        var number = version.ToString(CultureInfo.InvariantCulture);
        var temporary = _root.Combine(servable, $".{number}.tmp");
        Directory.CreateDirectory(temporary);
        File.WriteAllBytes(Path.Combine(temporary, "tensor_add.onnx"), Fixtures.TensorAdd());
        Directory.Move(temporary, _root.Combine(servable, number));
    }

    /// <summary>Builds the adder plugin with <paramref name="constant"/> to a temporary name, then renames it over the old one.</summary>
    public void WritePlugin(string servable, int constant)
    {
        var folder = _root.Combine(servable, "plugin");
        Directory.CreateDirectory(folder);
        var temporary = Path.Combine(folder, ".Adder.dll.tmp");
        var source = $$"""
            using System.Linq;
            using SharpServing;
            namespace Adder;
            public sealed class AdderPlugin : IServableConfigurator
            {
                public void Configure(ServableBuilder servable)
                {
                    var model = servable.DeclareModel("tensor_add.onnx", withBatchDim: false);
                    var offset = (float)(servable.Version * 100 + {{constant}});
                    servable.RegisterMethod("add_common", ["y"], (x1, x2) =>
                        servable.AddStage((Tensor y) => Tensor.Create(y.AsSpan<float>().ToArray().Select(v => v + offset).ToArray(), 2, 2),
                            servable.AddStage(model, x1, x2)[0]));
                }
            }
            """;
        var compilation = CSharpCompilation.Create("Adder",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest))],
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, usings: ["System", "System.Linq", "System.Collections.Generic"]));
        using (var stream = File.Create(temporary))
        {
            var result = compilation.Emit(stream);
            Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics));
        }
        File.Move(temporary, Path.Combine(folder, "Adder.dll"), overwrite: true);
    }

    public void Dispose() => _root.Dispose();
}
