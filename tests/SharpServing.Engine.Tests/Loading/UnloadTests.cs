using SharpServing.Engine.Loading;

namespace SharpServing.Engine.Tests.Loading;

public sealed class UnloadTests : IDisposable
{
    private readonly TempServables _servables = new();

    public void Dispose() => _servables.Dispose();

    [Fact]
    public async Task Loading_and_disposing_a_script_version_20_times_leaves_every_load_context_collected()
    {
        _servables.WriteAdd("add", 1);
        var loader = new ServableLoader(_ => new ScriptCache(_servables.CacheDirectory), OrtModelRuntime.Instance);
        var contexts = new List<WeakReference>();

        for (var i = 0; i < 20; i++)
        {
            contexts.Add(await UnloadCheck.LoadRunAndDisposeAsync(loader, _servables.Config("add")));
        }

        Assert.True(UnloadCheck.Collected(contexts), $"{contexts.Count(c => c.IsAlive)} of 20 load contexts are still alive: {string.Join(", ", contexts.Select((c, i) => (c, i)).Where(p => p.c.IsAlive).Select(p => p.i))}");
        Assert.Equal(1, loader.Compilations);
    }

    [Fact]
    public async Task A_version_whose_script_fails_leaves_no_load_context_behind()
    {
        // A name no other test loads: AssemblyLoadContext.All is the whole process's, and test classes run in parallel.
        _servables.WriteScript("throws-unload", """
            RegisterMethod("m", outputs: ["y"], x => AddStage(Echo, x));
            Tensor Echo(Tensor x) => x;
            throw new InvalidOperationException("after registering");
            """);
        var loader = new ServableLoader(_ => new ScriptCache(null), OrtModelRuntime.Instance);

        var before = System.Runtime.Loader.AssemblyLoadContext.All.Count(c => c.Name == "throws-unload/1");
        var error = await Assert.ThrowsAsync<ServableLoadException>(
            () => loader.LoadAsync(_servables.Config("throws-unload"), new ExecutionOptions(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Contains("after registering", error.Message);
        Assert.Null(error.InnerException);
        // AssemblyLoadContext.All forgets a context once Unload() is called; it must have been called.
        Assert.Equal(before, System.Runtime.Loader.AssemblyLoadContext.All.Count(c => c.Name == "throws-unload/1"));
    }
}
