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

    /// <summary>True once every context is collected (at least 20 GC rounds, and up to 10 s while any is alive).</summary>
    public static bool Collected(IReadOnlyList<WeakReference> contexts)
    {
        // A context is collected once nothing refers to it: work the disposed version left running (a continuation still
        // on a busy thread pool) may hold it for a moment, so collect until all are gone or 10 s have passed. A context
        // that is really held (a leak) stays alive through all of it.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var round = 0; contexts.Any(c => c.IsAlive) && (round < 20 || clock.Elapsed < TimeSpan.FromSeconds(10)); round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (round >= 20)
            {
                Thread.Sleep(50);
            }
        }
        return contexts.All(c => !c.IsAlive);
    }
}
