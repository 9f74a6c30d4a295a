using System.Runtime.Loader;
using SharpServing.Engine.Loading;
using SharpServing.Engine.Repository;
using SharpServing.Engine.Tests.Reload;
using SharpServing.Tests.Shared;
using Fixtures = SharpServing.ModelFixtures.ModelFixtures;

namespace SharpServing.Engine.Tests.Loading;

public sealed class PluginTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    private const string HelperSource = """
        namespace Greeting;
        public static class Names { public static string Method(string verb) => verb + "_common"; }
        """;

    private const string PluginSource = """
        using System.Linq;
        using SharpServing;
        namespace Greeting;
        public sealed class GreeterPlugin : IServableConfigurator
        {
            public void Configure(ServableBuilder servable)
            {
                var model = servable.DeclareModel("tensor_add.onnx", withBatchDim: false);
                servable.RegisterMethod(Names.Method("add"), ["y"], (x1, x2) => servable.AddStage(model, x1, x2));
                servable.RegisterMethod("add_double", ["y"], (x1, x2) =>
                {
                    var sum = servable.AddStage(model, x1, x2);
                    return servable.AddStage(Double, sum[0]);
                });
            }

            private static Tensor Double(Tensor x) => Tensor.Create(x.AsSpan<float>().ToArray().Select(v => v * 2).ToArray(), x.Shape.ToArray());
        }
        """;

    private const string DepsJson = """
        {
          "runtimeTarget": { "name": ".NETCoreApp,Version=v10.0", "signature": "" },
          "compilationOptions": {},
          "targets": {
            ".NETCoreApp,Version=v10.0": {
              "Greeter/1.0.0": { "dependencies": { "GreeterHelper": "1.0.0", "SharpServing.Sdk": "0.1.0" }, "runtime": { "Greeter.dll": {} } },
              "GreeterHelper/1.0.0": { "runtime": { "GreeterHelper.dll": {} } },
              "SharpServing.Sdk/0.1.0": { "runtime": { "SharpServing.Sdk.dll": {} } }
            }
          },
          "libraries": {
            "Greeter/1.0.0": { "type": "project", "serviceable": false, "sha512": "" },
            "GreeterHelper/1.0.0": { "type": "project", "serviceable": false, "sha512": "" },
            "SharpServing.Sdk/0.1.0": { "type": "project", "serviceable": false, "sha512": "" }
          }
        }
        """;

    private const string ThrowingPluginSource = """
        using SharpServing;
        namespace Thrower;
        public sealed class ThrowingPlugin : IServableConfigurator
        {
            public ThrowingPlugin() => throw new System.InvalidOperationException("the licence file is missing");
            public void Configure(ServableBuilder servable) { }
        }
        """;

    private readonly TempServables _servables = new();

    public void Dispose() => _servables.Dispose();

    /// <summary>A plugin servable laid out as `dotnet build` leaves it: main assembly, a private dependency, a copy of the
    /// SDK, and the .deps.json naming them.</summary>
    private void WritePluginServable(string name, bool withDepsJson)
    {
        var plugin = Path.Combine(_servables.ServableDirectory(name), "plugin");
        var helper = Path.Combine(plugin, "GreeterHelper.dll");
        PluginBuilder.Compile("GreeterHelper", HelperSource, helper);
        PluginBuilder.Compile("Greeter", PluginSource, Path.Combine(plugin, "Greeter.dll"), helper);
        File.Copy(typeof(ServableBuilder).Assembly.Location, Path.Combine(plugin, "SharpServing.Sdk.dll"));
        if (withDepsJson)
        {
            File.WriteAllText(Path.Combine(plugin, "Greeter.deps.json"), DepsJson);
        }
        _servables.WriteModel(name, 1, "tensor_add.onnx", Fixtures.TensorAdd());
    }

    [Theory]
    [InlineData("greeter_plugin", true)]
    [InlineData("greeter", false)]
    public async Task A_plugin_servable_registers_and_serves_with_its_dependency_private_and_the_sdk_shared(string name, bool withDepsJson)
    {
        WritePluginServable(name, withDepsJson);
        var loader = new ServableLoader(_ => new ScriptCache(null), OrtModelRuntime.Instance);

        var version = await loader.LoadAsync(_servables.Config(name), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout);
        await using var disposal = version.DisposeWithTimeout();

        Assert.Equal(["add_common", "add_double"], version.Methods.Keys.Order());
        var context = (AssemblyLoadContext)version.LoadContextReference.Target!;
        Assert.True(context.IsCollectible);
        Assert.Equal(["Greeter", "GreeterHelper"], context.Assemblies.Select(a => a.GetName().Name).Order());
        var catalog = new SingleVersionCatalog(version);
        var common = await Predict.AddAsync(catalog, name);
        Assert.Equal([11f, 22f, 33f, 44f], Predict.Output(common));
        var doubled = await Predict.AddAsync(catalog, name, method: "add_double");
        Assert.Equal([22f, 44f, 66f, 88f], Predict.Output(doubled));
    }

    [Fact]
    public async Task A_plugin_without_a_configurator_class_is_rejected()
    {
        var plugin = Path.Combine(_servables.ServableDirectory("empty"), "plugin", "Empty.dll");
        PluginBuilder.Compile("Empty", "namespace E; public sealed class NotAConfigurator { }", plugin);
        var loader = new ServableLoader(_ => new ScriptCache(null), OrtModelRuntime.Instance);

        var error = await Assert.ThrowsAsync<ServableLoadException>(
            () => loader.LoadAsync(_servables.Config("empty"), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout));

        Assert.Equal($"Check servable config failed, plugin '{plugin}' has no public class implementing SharpServing.IServableConfigurator", error.Message);
    }

    [Fact]
    public async Task Plugin_versions_unload_completely()
    {
        WritePluginServable("greeter", withDepsJson: true);
        var loader = new ServableLoader(_ => new ScriptCache(null), OrtModelRuntime.Instance);
        var contexts = new List<WeakReference>();

        for (var i = 0; i < 5; i++)
        {
            contexts.Add(await UnloadCheck.LoadRunAndDisposeAsync(loader, _servables.Config("greeter")));
        }

        Assert.True(UnloadCheck.Collected(contexts), $"{contexts.Count(c => c.IsAlive)} of 5 plugin load contexts are still alive");
    }

    /// <summary>The plugin file at the same path gets new content while the old version still runs: rewritten in place
    /// (same file), or renamed over (a new file at the old path, which a loader caching images by path would miss).</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_replaced_plugin_serves_its_new_code_on_the_next_load_and_the_old_context_is_collected(bool inPlace)
    {
        var directory = _servables.ServableDirectory("adder");
        var plugin = Path.Combine(directory, "plugin", "Adder.dll");
        AdderPlugin.Write(directory, constant: 1);
        _servables.WriteModel("adder", 1, "tensor_add.onnx", Fixtures.TensorAdd());
        var loader = new ServableLoader(_ => new ScriptCache(null), OrtModelRuntime.Instance);
        var old = await loader.LoadAsync(_servables.Config("adder"), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout);
        await using var oldDisposal = old.DisposeWithTimeout();
        Assert.Equal(101f, await ReloadServables.OffsetAsync(new SingleVersionCatalog(old), "adder"));

        if (inPlace)
        {
            PluginBuilder.Compile("Adder", AdderPlugin.Source(constant: 2), plugin);
        }
        else
        {
            AdderPlugin.Write(directory, constant: 2);
        }
        var current = await loader.LoadAsync(_servables.Config("adder"), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout);
        await using var currentDisposal = current.DisposeWithTimeout();

        Assert.Equal(102f, await ReloadServables.OffsetAsync(new SingleVersionCatalog(current), "adder"));
        Assert.Equal(101f, await ReloadServables.OffsetAsync(new SingleVersionCatalog(old), "adder"));
        var oldContext = old.LoadContextReference;
        Assert.NotSame(oldContext.Target, current.LoadContextReference.Target);
        await old.DisposeWithin();
        Assert.True(UnloadCheck.Collected([oldContext]), "the replaced plugin's load context is still alive");
        Assert.Equal(102f, await ReloadServables.OffsetAsync(new SingleVersionCatalog(current), "adder"));
    }

    [Fact]
    public async Task A_plugin_whose_deps_json_is_broken_fails_with_a_message_naming_it()
    {
        WritePluginServable("greeter", withDepsJson: true);
        var plugin = Path.Combine(_servables.ServableDirectory("greeter"), "plugin");
        File.WriteAllText(Path.Combine(plugin, "Greeter.deps.json"), "{ \"targets\": ");
        var loader = new ServableLoader(_ => new ScriptCache(null), OrtModelRuntime.Instance);

        var error = await Assert.ThrowsAsync<ServableLoadException>(
            () => loader.LoadAsync(_servables.Config("greeter"), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout));

        Assert.StartsWith($"Check servable config failed, plugin '{Path.Combine(plugin, "Greeter.dll")}' cannot be loaded: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plugin_whose_constructor_throws_fails_with_its_error_and_leaves_no_load_context_behind()
    {
        PluginBuilder.Compile("Thrower", ThrowingPluginSource, Path.Combine(_servables.ServableDirectory("thrower"), "plugin", "Thrower.dll"));
        var loader = new ServableLoader(_ => new ScriptCache(null), OrtModelRuntime.Instance);

        var error = await Assert.ThrowsAsync<ServableLoadException>(
            () => loader.LoadAsync(_servables.Config("thrower"), new ExecutionOptions(), CancellationToken.None).WaitAsync(s_timeout));

        Assert.Equal("Start servable failed, servable 'thrower' configuration error: System.InvalidOperationException: the licence file is missing", error.Message);
        Assert.Null(error.InnerException);
        // AssemblyLoadContext.All forgets a context once it is unloading; the plugin's is named after its main assembly.
        Assert.DoesNotContain(AssemblyLoadContext.All, c => c.Name == "Thrower");
    }

    [Fact]
    public async Task Plugins_that_fail_to_load_are_reported_and_the_other_servables_keep_serving()
    {
        _servables.WriteAdd("add", 1);
        PluginBuilder.Compile("Thrower", ThrowingPluginSource, Path.Combine(_servables.ServableDirectory("thrower"), "plugin", "Thrower.dll"));
        var garbage = Path.Combine(_servables.ServableDirectory("garbage"), "plugin", "Garbage.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(garbage)!);
        File.WriteAllText(garbage, "this is a text file, not an assembly");
        var manager = new ServableManager(_servables.Configuration(_servables.Config("add"), _servables.Config("thrower"), _servables.Config("garbage")), OrtModelRuntime.Instance);
        await using var disposal = manager.DisposeWithTimeout();

        var statuses = await manager.StartAsync(CancellationToken.None).WaitAsync(s_timeout);

        Assert.Equal(ServableVersionState.Available, Assert.Single(statuses, s => s.Servable == "add").State);
        var thrower = Assert.Single(statuses, s => s.Servable == "thrower");
        Assert.Equal(ServableVersionState.Failed, thrower.State);
        Assert.Equal("Start servable failed, servable 'thrower' configuration error: System.InvalidOperationException: the licence file is missing", thrower.Error);
        var notAssembly = Assert.Single(statuses, s => s.Servable == "garbage");
        Assert.Equal(ServableVersionState.Failed, notAssembly.State);
        Assert.StartsWith($"Check servable config failed, plugin '{garbage}' is not a .NET assembly: ", notAssembly.Error, StringComparison.Ordinal);
        Assert.False(manager.Contains("thrower"));
        Assert.False(manager.Contains("garbage"));
        await Predict.AssertAddsAsync(manager, "add");
    }
}
