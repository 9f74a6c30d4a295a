using System.Runtime.CompilerServices;
using SharpServing.Engine.Configuration;
using SharpServing.Engine.Loading;

namespace SharpServing.Engine.Tests.Loading;

/// <summary>The "did it really unload?" check: a weak reference to the load context, then GC rounds.</summary>
internal static class UnloadCheck
{
    /// <summary>Loads the version, runs one request through it when it has add_common, disposes it; only a weak
    /// reference to its load context survives this method.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<WeakReference> LoadRunAndDisposeAsync(ServableLoader loader, ServableStartConfig config)
    {
        var version = await loader.LoadAsync(config, new ExecutionOptions(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        try
        {
            if (version.Methods.ContainsKey("add_common"))
            {
                var common = await Predict.AddAsync(new SingleVersionCatalog(version), version.Name);
                Assert.Equal([11f, 22f, 33f, 44f], Predict.Output(common));
            }
            if (version.Methods.ContainsKey("add_cast"))
            {
                var cast = await Predict.AddAsync(new SingleVersionCatalog(version), version.Name, method: "add_cast");
                Assert.Equal([11f, 22f, 33f, 44f], Predict.Output(cast));
            }
            Assert.True(version.LoadContextReference.IsAlive);
            return version.LoadContextReference;
        }
        finally
        {
            await version.DisposeWithin();
        }
    }

    /// <summary>True once every context is collected (up to 20 GC rounds).</summary>
    public static bool Collected(IReadOnlyList<WeakReference> contexts)
    {
        for (var round = 0; round < 20 && contexts.Any(c => c.IsAlive); round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return contexts.All(c => !c.IsAlive);
    }
}
