using System.Globalization;
using System.Runtime.CompilerServices;
using SharpServing.Engine.Reload;
using SharpServing.Engine.Repository;
using SharpServing.Engine.Tests.Loading;
using SharpServing.Tests.Shared;
using Xunit.Abstractions;

namespace SharpServing.Engine.Tests.Reload;

/// <summary>Many reloads leave nothing behind: every replaced version's load context is collected and its ONNX Runtime
/// sessions closed, memory stays flat.
/// Alone in its collection: resident memory is the whole process's, other tests running beside it would blur it.</summary>
[Collection(nameof(ReloadMeasurementGroup))]
public sealed class ReloadLeakTests(ITestOutputHelper output) : IDisposable
{
    private const int Cycles = 50;
    private const int OcrCycles = 4;
    private readonly ReloadServables _servables = new();

    public void Dispose() => _servables.Dispose();

    [Fact]
    public async Task Fifty_reload_cycles_collect_every_old_load_context_and_keep_memory_flat()
    {
        _servables.WriteAdd("add", edit: 0, 1);
        var manager = new ServableManager(_servables.Configuration(watch: false), OrtModelRuntime.Instance);
        var reload = new ReloadCoordinator(manager);
        await reload.StartAsync(CancellationToken.None).WaitAsync(ReloadServables.Timeout);
        try
        {
            // Warm-up cycles: the first compile loads Roslyn, the first runs JIT the paths; then measure.
            for (var edit = 1; edit <= 5; edit++)
            {
                await CycleAsync(manager, reload, edit);
            }
            var (rssBefore, managedBefore) = Measure();
            var openBefore = OrtSession.OpenCount;

            var contexts = new List<WeakReference>();
            for (var edit = 6; edit < 6 + Cycles; edit++)
            {
                contexts.Add(await CycleAsync(manager, reload, edit));
            }

            var collected = UnloadCheck.Collected(contexts);
            var (rssAfter, managedAfter) = Measure();
            var growthMb = (rssAfter - rssBefore) / 1024.0 / 1024.0;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Cycles} reload cycles: RSS {rssBefore / 1048576.0:F1} MB -> {rssAfter / 1048576.0:F1} MB ({growthMb:+0.0;-0.0} MB), "
                + $"managed {managedBefore / 1048576.0:F1} MB -> {managedAfter / 1048576.0:F1} MB, "
                + $"{contexts.Count(c => !c.IsAlive)}/{contexts.Count} old load contexts collected, {manager.ScriptCompilations} compilations"));
            Assert.True(collected, $"{contexts.Count(c => c.IsAlive)} of {Cycles} replaced load contexts are still alive");
            Assert.Equal(openBefore, OrtSession.OpenCount);
            Assert.True(growthMb < 60, $"RSS grew by {growthMb:F1} MB over {Cycles} reloads");
            Assert.Equal(100f + 5 + Cycles, await ReloadServables.OffsetAsync(manager));
        }
        finally
        {
            await reload.DisposeWithin();
            await manager.DisposeWithin();
        }
    }

    [Fact]
    public async Task Ocr_versions_replaced_after_serving_requests_close_their_three_sessions_and_are_collected()
    {
        CopyServable("ocr");
        var script = Path.Combine(_servables.Root, "ocr", "servable_config.csx");
        var image = File.ReadAllBytes(Path.Combine(RepoPaths.Root, "tests", "SharpServing.Sdk.Tests", "Fixtures", "photo.jpg"));
        var openBefore = OrtSession.OpenCount;
        var manager = new ServableManager(_servables.Configuration(watch: false), OrtModelRuntime.Instance);
        var reload = new ReloadCoordinator(manager);
        await reload.StartAsync(CancellationToken.None).WaitAsync(ReloadServables.Timeout);
        try
        {
            await DetectAsync(manager, image);
            Assert.Equal(openBefore + 3, OrtSession.OpenCount);   // det, cls and rec
            var (rssBefore, _) = Measure();
            var contexts = new List<WeakReference>();
            for (var edit = 1; edit <= OcrCycles; edit++)
            {
                var old = ContextOf(manager, "ocr");
                await File.AppendAllTextAsync(script, $"\n// edit {edit}\n");
                await reload.ScanNowAsync(CancellationToken.None).WaitAsync(ReloadServables.Timeout);
                Assert.NotSame(old.Target, ContextOf(manager, "ocr").Target);
                await DetectAsync(manager, image);
                contexts.Add(old);
            }

            // Only the serving version's sessions are open; every replaced version is gone, code and models.
            Assert.Equal(openBefore + 3, OrtSession.OpenCount);
            Assert.True(UnloadCheck.Collected(contexts), $"{contexts.Count(c => c.IsAlive)} of {OcrCycles} replaced ocr load contexts are still alive");
            // The native memory of the closed sessions goes back to the system: without that, glibc's arenas kept about
            // 40 MB per ocr reload resident (docs/fuzzing.md). Allowed: the size of the model files per reload.
            var (rssAfter, _) = Measure();
            var modelBytes = Directory.EnumerateFiles(Path.Combine(_servables.Root, "ocr", "1"), "*.onnx").Sum(f => new FileInfo(f).Length);
            var growthMb = (rssAfter - rssBefore) / 1048576.0;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{OcrCycles} ocr reloads: RSS {rssBefore / 1048576.0:F1} MB -> {rssAfter / 1048576.0:F1} MB ({growthMb:+0.0;-0.0} MB), models {modelBytes / 1048576.0:F1} MB"));
            Assert.True(rssAfter - rssBefore < OcrCycles * modelBytes, $"RSS grew by {growthMb:F1} MB over {OcrCycles} ocr reloads");
        }
        finally
        {
            await reload.DisposeWithin();
            await manager.DisposeWithin();
        }
        Assert.Equal(openBefore, OrtSession.OpenCount);
    }

    [Fact]
    public async Task Fifty_plugin_replacements_are_swapped_in_and_collect_every_old_plugin_context()
    {
        var directory = _servables.Temp.ServableDirectory("adder");
        AdderPlugin.Write(directory, constant: 1);
        _servables.Temp.WriteModel("adder", 1, "tensor_add.onnx", SharpServing.ModelFixtures.ModelFixtures.TensorAdd());
        var manager = new ServableManager(_servables.Configuration(watch: false), OrtModelRuntime.Instance);
        var reload = new ReloadCoordinator(manager);
        await reload.StartAsync(CancellationToken.None).WaitAsync(ReloadServables.Timeout);
        try
        {
            Assert.Equal(101f, await ReloadServables.OffsetAsync(manager, "adder"));
            var contexts = new List<WeakReference>();
            for (var constant = 2; constant < 2 + Cycles; constant++)
            {
                contexts.Add(await ReplacePluginAsync(manager, reload, directory, constant));
                Assert.Equal(100f + constant, await ReloadServables.OffsetAsync(manager, "adder"));
            }
            Assert.True(UnloadCheck.Collected(contexts), $"{contexts.Count(c => c.IsAlive)} of {contexts.Count} replaced plugin contexts are still alive");
        }
        finally
        {
            await reload.DisposeWithin();
            await manager.DisposeWithin();
        }
    }

    /// <summary>Copies the example servable <paramref name="name"/> (script and models) into the temporary root.</summary>
    private void CopyServable(string name)
    {
        var from = Path.Combine(RepoPaths.Root, "servables", name);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var to = Path.Combine(_servables.Root, name, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }
    }

    /// <summary>ocr.detect on <paramref name="image"/>: the boxes of the text it finds.</summary>
    private static async Task DetectAsync(ServableManager manager, byte[] image)
    {
        var dispatcher = new Dispatcher(manager, new ExecutionOptions());
        var instance = new Dictionary<string, RequestInput> { ["image"] = Tensor.FromBytes(image) };
        var reply = await dispatcher.PredictAsync(new InferRequest("ocr", "detect", 0, [instance]), CancellationToken.None)
            .WaitAsync(ReloadServables.Timeout);
        Assert.Null(reply.Error);
        var boxes = Assert.Single(Assert.Single(reply.Instances).Outputs!).Value;
        Assert.True(boxes.Shape[0] > 0, "ocr.detect found no text in the photo");
    }

    /// <summary>Edits the script, lets a pass swap it in, and returns the replaced version's load context, weakly.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task<WeakReference> CycleAsync(ServableManager manager, ReloadCoordinator reload, int edit)
    {
        var old = ContextOf(manager, "add");
        _servables.WriteScript("add", edit);
        await reload.ScanNowAsync(CancellationToken.None).WaitAsync(ReloadServables.Timeout);
        Assert.Equal(100f + edit, await ReloadServables.OffsetAsync(manager));
        return old;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> ReplacePluginAsync(ServableManager manager, ReloadCoordinator reload, string directory, int constant)
    {
        var old = ContextOf(manager, "adder");
        AdderPlugin.Write(directory, constant);
        await reload.ScanNowAsync(CancellationToken.None).WaitAsync(ReloadServables.Timeout);
        return old;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference ContextOf(ServableManager manager, string servable)
    {
        Assert.True(manager.TryGetVersion(servable, 0, out var version));
        return version.LoadContextReference;
    }

    /// <summary>Resident set size (from /proc/self/status) and managed heap, after full collections.</summary>
    private static (long Rss, long Managed) Measure()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        var managed = GC.GetTotalMemory(forceFullCollection: true);
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return (kb * 1024, managed);
    }
}

/// <summary>Tests that measure the process (memory) run alone, after the parallel ones.</summary>
[CollectionDefinition(nameof(ReloadMeasurementGroup), DisableParallelization = true)]
public sealed class ReloadMeasurementGroup;
