using SharpServing.Engine.Configuration;
using SharpServing.Engine.Repository;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Loading;

/// <summary>A temporary servables root: servable folders with scripts, plugins and model files; deleted on dispose.</summary>
internal sealed class TempServables : IDisposable
{
    public const string AddScript = """
        var model = DeclareModel("tensor_add.onnx", withBatchDim: false);
        RegisterMethod("add_common", outputs: ["y"], (x1, x2) => AddStage(model, x1, x2));
        RegisterMethod("add_cast", outputs: ["y"], (x1, x2) =>
        {
            var (a, b) = AddStage(ToFloat32, x1, x2, outputsCount: 2);
            return AddStage(model, a, b);
        });
        (Tensor, Tensor) ToFloat32(Tensor x1, Tensor x2) => (x1.Cast<float>(), x2.Cast<float>());
        """;

    public TempServables()
    {
        Root = Path.Combine(Path.GetTempPath(), "sharpserving-load-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>The compiled-script cache of this root (its default location).</summary>
    public string CacheDirectory => Path.Combine(Root, ".cache", "scripts");

    public string ServableDirectory(string name) => Path.Combine(Root, name);

    /// <summary>Writes <c>&lt;name&gt;/servable_config.csx</c>.</summary>
    public string WriteScript(string name, string script)
    {
        var directory = ServableDirectory(name);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, ServableRepository.ScriptFileName);
        File.WriteAllText(path, script);
        return path;
    }

    /// <summary>Writes <c>&lt;name&gt;/&lt;version&gt;/&lt;file&gt;</c>.</summary>
    public string WriteModel(string name, long version, string file, byte[] bytes)
    {
        var directory = Path.Combine(ServableDirectory(name), version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The add servable (MindSpore Serving's example) with <c>tensor_add.onnx</c> in each given version.</summary>
    public void WriteAdd(string name, params long[] versions)
    {
        WriteScript(name, AddScript);
        foreach (var version in versions)
        {
            WriteModel(name, version, "tensor_add.onnx", Fixtures.TensorAdd());
        }
    }

    public ServableStartConfig Config(string name, long version = 0) => new(Root, name) { VersionNumber = version };

    public ServingConfiguration Configuration(params ServableStartConfig[] servables)
    {
        var configuration = new ServingConfiguration { ServablesRoot = Root };
        foreach (var servable in servables)
        {
            configuration.Servables.Add(servable);
        }
        return configuration;
    }

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
