namespace SharpServing.Tests.Shared;

/// <summary>
/// Builds the <c>Adder</c> plugin with Roslyn: <c>add_common</c> answers x1 + x2 + (version × 100 + constant), so every
/// reply tells which version and which build answered. It is replaced the safe way: compiled to a temporary name in the
/// plugin folder, then renamed over the old file.
/// </summary>
internal static class AdderPlugin
{
    public static string Source(int constant) => $$"""
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

    /// <summary>Writes (or replaces) <c>&lt;servable&gt;/plugin/Adder.dll</c>.</summary>
    public static void Write(string servableDirectory, int constant)
    {
        var plugin = Path.Combine(servableDirectory, "plugin");
        Directory.CreateDirectory(plugin);
        var temporary = Path.Combine(plugin, ".Adder.dll.tmp");
        PluginBuilder.Compile("Adder", Source(constant), temporary);
        File.Move(temporary, Path.Combine(plugin, "Adder.dll"), overwrite: true);
    }
}
