using SharpServing.EndToEnd.Tests.Infrastructure;
using SharpServing.Tests.Shared;

namespace SharpServing.EndToEnd.Tests.Isolation;

/// <summary>
/// A temporary servables root with servables that misbehave on request: each method echoes x, unless x &gt; 0 asks it to
/// exit the process, spin forever or allocate without bound. <c>add</c> is the well-behaved neighbour (the real model).
/// </summary>
internal sealed class IsolationRepository : IDisposable
{
    private readonly TempDirectory _root = new("ss-isolation-");

    public string Root => _root.Path;

    public const string ExitScript = """
        RegisterMethod("run", outputs: ["y"], x => AddStage(Run, x));
        Tensor Run(Tensor x)
        {
            if (x.AsSpan<float>()[0] > 0)
            {
                Environment.Exit(3);
            }
            return x;
        }
        """;

    public const string SpinScript = """
        RegisterMethod("run", outputs: ["y"], x => AddStage(Run, x));
        Tensor Run(Tensor x)
        {
            while (x.AsSpan<float>()[0] > 0)
            {
            }
            return x;
        }
        """;

    // Past the 512 MiB limit at once (ten chunks of 64 MiB without a pause, each page touched once and never cleared twice:
    // on a machine loaded by the whole test suite the memory check must see it well within the 10 s time limit, or the
    // time limit kills the worker first), then on slowly to at most 4 GiB: a limit that does not work cannot take the
    // machine down.
    public const string HogScript = """
        var hoard = new System.Collections.Generic.List<byte[]>();
        RegisterMethod("run", outputs: ["y"], x => AddStage(Run, x));
        Tensor Run(Tensor x)
        {
            for (var i = 0; i < 64 && x.AsSpan<float>()[0] > 0; i++)
            {
                var chunk = GC.AllocateUninitializedArray<byte>(64 << 20);
                for (var page = 0; page < chunk.Length; page += 4096)
                {
                    chunk[page] = 1;
                }
                hoard.Add(chunk);
                if (i >= 10)
                {
                    System.Threading.Thread.Sleep(50);
                }
            }
            return x;
        }
        """;

    public const string BrokenPlugin = """
        using SharpServing;
        namespace Broken;
        public sealed class BrokenPlugin : IServableConfigurator
        {
            public BrokenPlugin() => throw new System.InvalidOperationException("the plugin cannot start without its licence file");
            public void Configure(ServableBuilder servable) { }
        }
        """;

    public static string AddScript(int offset) => $$"""
        var model = DeclareModel("tensor_add.onnx", withBatchDim: false);
        RegisterMethod("add_common", outputs: ["y"], (x1, x2) => AddStage(Shift, AddStage(model, x1, x2)[0]));
        Tensor Shift(Tensor y) => Tensor.Create(y.AsSpan<float>().ToArray().Select(v => v + {{offset}}f).ToArray(), 2, 2);
        """;

    public void WriteScript(string servable, string text)
    {
        Directory.CreateDirectory(_root.Combine(servable));
        File.WriteAllText(_root.Combine(servable, "servable_config.csx"), text);
    }

    /// <summary>Copies the installed add model in as version <paramref name="version"/> (into a hidden folder, then one rename).</summary>
    public void AddModelVersion(string servable, int version)
    {
        var temporary = _root.Combine(servable, $".{version}.tmp");
        Directory.CreateDirectory(temporary);
        File.Copy(RepoPaths.Installed(RepoPaths.Combine("servables", "add", "1", "tensor_add.onnx")), Path.Combine(temporary, "tensor_add.onnx"));
        Directory.Move(temporary, _root.Combine(servable, version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    public void WritePlugin(string servable, string source)
    {
        var plugin = _root.Combine(servable, "plugin");
        PluginBuilder.Compile("Broken", source, Path.Combine(plugin, "Broken.dll"));
    }

    public void Dispose() => _root.Dispose();
}
