using System.Text.Json;
using SharpServing.EndToEnd.Tests.Infrastructure;

namespace SharpServing.EndToEnd.Tests;

/// <summary>The runtime settings the built host ships with (the file the .NET host reads when sharpserving starts).</summary>
public sealed class RuntimeConfigTests
{
    [Fact]
    public void The_host_keeps_arrays_up_to_1_MiB_off_the_large_object_heap_with_workstation_concurrent_gc()
    {
        var properties = ConfigProperties();

        Assert.Equal(1048576, properties.GetProperty("System.GC.LOHThreshold").GetInt64());
        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.True(properties.GetProperty("System.GC.Concurrent").GetBoolean());
    }

    [Fact]
    public void The_host_counts_calls_to_optimize_hot_methods_after_10_ms_without_new_compilation()
    {
        var properties = ConfigProperties();

        // The runtime's default (100 ms) kept a server started into traffic on unoptimized code for many seconds.
        Assert.Equal(10, properties.GetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs").GetInt32());
        Assert.True(properties.GetProperty("System.Runtime.TieredPGO").GetBoolean());
    }

    /// <summary>The configProperties of sharpserving.runtimeconfig.json next to the built host (a copy: the document is disposed).</summary>
    private static JsonElement ConfigProperties()
    {
        var path = Path.ChangeExtension(RepoPaths.ServerDll, ".runtimeconfig.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties").Clone();
    }
}
