using System.Globalization;
using SharpServing.Server.Tests.Infrastructure;
using SharpServing.Tests.Shared;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Server.Tests.Reload;

/// <summary>
/// A temporary servables root whose servables tell in every reply which version and which edit answered: <c>add</c>
/// (a script) and <c>adder</c> (a plugin built here with Roslyn) both answer x1 + x2 + (version × 100 + constant).
/// Changes are made as a user should make them: new versions and plugins renamed in, scripts saved in place.
/// </summary>
internal sealed class ReloadRepository : IDisposable
{
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
    public void WritePlugin(string servable, int constant) => AdderPlugin.Write(_root.Combine(servable), constant);

    public void Dispose() => _root.Dispose();
}
