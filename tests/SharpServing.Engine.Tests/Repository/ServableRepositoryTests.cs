using SharpServing.Engine.Loading;
using SharpServing.Engine.Repository;
using SharpServing.Engine.Tests.Loading;

namespace SharpServing.Engine.Tests.Repository;

public sealed class ServableRepositoryTests : IDisposable
{
    private readonly TempServables _servables = new();

    public void Dispose() => _servables.Dispose();

    [Fact]
    public void Only_canonical_positive_integer_folders_are_versions()
    {
        var servable = _servables.ServableDirectory("add");
        foreach (var name in new[] { "1", "2", "10", "01", "0", "v3", "-4", "7a", "99999999999999999999" })
        {
            Directory.CreateDirectory(Path.Combine(servable, name));
        }
        File.WriteAllText(Path.Combine(servable, "5"), "a file, not a folder");

        Assert.Equal([1L, 2L, 10L], ServableRepository.ListVersions(servable));
    }

    [Fact]
    public void Inspect_finds_the_script_and_the_versions()
    {
        var script = _servables.WriteScript("add", "// empty");
        Directory.CreateDirectory(Path.Combine(_servables.Root, "add", "3"));

        var layout = ServableRepository.Inspect(_servables.Root, "add");

        Assert.Equal(new ServableLayout("add", Path.Combine(_servables.Root, "add"), ServableConfigKind.Script, script, layout.Versions), layout);
        Assert.Equal([3L], layout.Versions);
        Assert.Equal(Path.Combine(_servables.Root, "add", "3"), layout.VersionDirectory(3));
    }

    [Fact]
    public void A_missing_root_servable_folder_or_config_fails_with_the_spec_texts()
    {
        var missingRoot = Path.Combine(_servables.Root, "nowhere");
        Assert.Equal($"Check servable config failed, directory '{missingRoot}' not exist, the servables root of servable 'add' is missing",
            Assert.Throws<ServableLoadException>(() => ServableRepository.Inspect(missingRoot, "add")).Message);

        Assert.Equal($"Check servable config failed, directory '{Path.Combine(_servables.Root, "add")}' not exist, there is no servable 'add' in '{_servables.Root}'",
            Assert.Throws<ServableLoadException>(() => ServableRepository.Inspect(_servables.Root, "add")).Message);

        Directory.CreateDirectory(Path.Combine(_servables.Root, "add", "1"));
        var script = Path.Combine(_servables.Root, "add", "servable_config.csx");
        Assert.Equal($"Check servable config failed, file '{script}' not exist, servable 'add' needs servable_config.csx or a plugin/<Name>.dll",
            Assert.Throws<ServableLoadException>(() => ServableRepository.Inspect(_servables.Root, "add")).Message);
    }

    [Fact]
    public void A_script_next_to_a_plugin_folder_is_ambiguous()
    {
        _servables.WriteScript("add", "// empty");
        Directory.CreateDirectory(Path.Combine(_servables.Root, "add", "plugin"));

        var error = Assert.Throws<ServableLoadException>(() => ServableRepository.Inspect(_servables.Root, "add"));

        Assert.StartsWith("Check servable config failed, servable 'add' has both ", error.Message);
    }

    [Theory]
    [InlineData(new[] { "Main.dll", "Main.deps.json", "Dep.dll" }, "Main.dll")]
    [InlineData(new[] { "Only.dll" }, "Only.dll")]
    [InlineData(new[] { "FaceDetect.dll", "Dep.dll" }, "FaceDetect.dll")]
    public void The_plugin_main_assembly_is_found_by_deps_json_single_dll_or_servable_name(string[] files, string expected)
    {
        var plugin = Path.Combine(_servables.Root, "face_detect", "plugin");
        Directory.CreateDirectory(plugin);
        foreach (var file in files)
        {
            File.WriteAllText(Path.Combine(plugin, file), "");
        }

        var layout = ServableRepository.Inspect(_servables.Root, "face_detect");

        Assert.Equal(ServableConfigKind.Plugin, layout.ConfigKind);
        Assert.Equal(Path.Combine(plugin, expected), layout.ConfigPath);
    }

    [Fact]
    public void A_plugin_folder_without_a_clear_main_assembly_is_rejected()
    {
        var plugin = Path.Combine(_servables.Root, "det", "plugin");
        Directory.CreateDirectory(plugin);
        Assert.StartsWith("Check servable config failed, file ", Assert.Throws<ServableLoadException>(() => ServableRepository.Inspect(_servables.Root, "det")).Message);

        File.WriteAllText(Path.Combine(plugin, "A.dll"), "");
        File.WriteAllText(Path.Combine(plugin, "B.dll"), "");
        Assert.Equal($"Check servable config failed, the plugin folder '{plugin}' of servable 'det' has 2 assemblies, no single .deps.json and no det.dll to tell the main one",
            Assert.Throws<ServableLoadException>(() => ServableRepository.Inspect(_servables.Root, "det")).Message);
    }

    [Fact]
    public void A_relative_root_resolves_against_the_application_folder_not_the_working_directory()
    {
        Assert.Equal(Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "servables")), ServableRepository.ResolveRoot("servables"));
        Assert.Equal(_servables.Root, ServableRepository.ResolveRoot(_servables.Root));
    }

    [Fact]
    public void ListServables_skips_hidden_folders_and_folders_without_a_configuration()
    {
        _servables.WriteScript("b", "//");
        _servables.WriteScript("a", "//");
        Directory.CreateDirectory(Path.Combine(_servables.Root, "p", "plugin"));
        Directory.CreateDirectory(Path.Combine(_servables.Root, ".cache", "scripts"));
        Directory.CreateDirectory(Path.Combine(_servables.Root, "empty"));

        Assert.Equal(["a", "b", "p"], ServableRepository.ListServables(_servables.Root));
    }
}
