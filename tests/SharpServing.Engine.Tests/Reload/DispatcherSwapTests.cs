using System.Diagnostics.CodeAnalysis;
using SharpServing.Engine.Loading;
using SharpServing.Engine.Tests.Loading;

namespace SharpServing.Engine.Tests.Reload;

/// <summary>The dispatcher's side of a swap: a request that resolved a version just before it was swapped out is
/// refused untouched by that version and runs on the one published now.</summary>
public sealed class DispatcherSwapTests : IDisposable
{
    private readonly ReloadServables _servables = new();

    public void Dispose() => _servables.Dispose();

    [Fact]
    public async Task A_request_that_resolved_a_version_being_swapped_out_runs_on_the_published_one()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        var loader = new ServableLoader(_ => new ScriptCache(null), OrtModelRuntime.Instance);
        var old = await loader.LoadAsync(_servables.Temp.Config("add"), new ExecutionOptions(), CancellationToken.None).WaitAsync(ReloadServables.Timeout);
        _servables.WriteScript("add", edit: 4);
        var current = await loader.LoadAsync(_servables.Temp.Config("add"), new ExecutionOptions(), CancellationToken.None).WaitAsync(ReloadServables.Timeout);
        await using var disposal = current.DisposeWithTimeout();
        await using var oldDisposal = old.DisposeWithTimeout();
        // Swapped out: its executor stops (and refuses new requests) while the version object is not released yet.
        await old.Executor.DisposeWithin();

        // The first lookup sees the old (already stopping) version, every later one the new version.
        Assert.Equal(104f, await ReloadServables.OffsetAsync(new SwappingCatalog(old, current)));
        // With nothing newer published the refusal stands (code 5).
        var reply = await Predict.AddAsync(new SwappingCatalog(old, old), "add");
        Assert.Equal(ErrorCode.ServableUnavailable, reply.Error?.Code);
    }

    private sealed class SwappingCatalog(ServableVersion first, ServableVersion then) : IServableCatalog
    {
        private int _lookups;

        public bool TryGetVersion(string servable, ulong version, [NotNullWhen(true)] out ServableVersion? servableVersion)
        {
            servableVersion = Interlocked.Increment(ref _lookups) == 1 ? first : then;
            return true;
        }

        public bool Contains(string servable) => true;
    }
}
