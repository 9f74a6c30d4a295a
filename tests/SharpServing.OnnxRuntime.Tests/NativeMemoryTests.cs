using System.Globalization;
using Xunit.Abstractions;

namespace SharpServing.OnnxRuntime.Tests;

[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

/// <summary>Opening and closing sessions, and running them, gives native memory back. Runs alone: RSS is process-wide.</summary>
[Collection(nameof(RunsAlone))]
public sealed class NativeMemoryTests(ITestOutputHelper output)
{
    private const long AllowedGrowthBytes = 30L * 1024 * 1024;

    [Fact]
    public void Two_hundred_sessions_opened_run_and_disposed_do_not_grow_native_memory()
    {
        // A model with 1 MiB of weights, one with two inputs and outputs, one over strings: a leaked session or
        // value of any of them adds up to far more than the allowed growth over 200 cycles.
        var dense = Fixtures.Dense(1024, 256);
        var sumAndProduct = Fixtures.SumAndProduct();
        var stringIdentity = Fixtures.Identity(DataType.String, "n");
        var x = Tensor.Create(Enumerable.Range(0, 4096).Select(i => (float)i).ToArray(), 4, 1024);
        var pair = Tensor.Create(Enumerable.Range(0, 2048).Select(i => (float)i).ToArray(), 1024, 2);
        var strings = Tensor.FromStrings([.. Enumerable.Range(0, 256).Select(i => new string('s', i))]);
        var options = new ModelSessionOptions { IntraOpThreads = 1 };
        void Cycle()
        {
            using (var session = OrtSession.FromBytes(dense, options))
            {
                Assert.Equal([4L, 256], session.Run([x])[0].Dims);
            }
            using (var session = OrtSession.FromBytes(sumAndProduct, options))
            {
                Assert.Equal(2, session.Run([pair, pair]).Count);
            }
            using (var session = OrtSession.FromBytes(stringIdentity, options))
            {
                Assert.Equal(256, session.Run([strings])[0].Items.Count);
            }
        }

        for (var i = 0; i < 30; i++)
        {
            Cycle();
        }
        var before = SettledRss();
        for (var i = 0; i < 200; i++)
        {
            Cycle();
        }
        var after = SettledRss();

        var growth = after - before;
        output.WriteLine($"RSS before {before / 1024} KiB, after 200 cycles {after / 1024} KiB, growth {growth / 1024} KiB (allowed {AllowedGrowthBytes / 1024} KiB).");
        Assert.True(growth < AllowedGrowthBytes, $"RSS grew by {growth / 1024} KiB over 200 session cycles.");
    }

    [Fact]
    public void Many_runs_on_one_session_do_not_grow_native_memory()
    {
        using var session = OrtSession.FromBytes(Fixtures.AddDynamicBatch(256), new ModelSessionOptions { IntraOpThreads = 1 });
        var x = Tensor.Zeros<float>(64, 256);
        for (var i = 0; i < 200; i++)
        {
            session.Run([x, x]);
        }
        var before = SettledRss();
        for (var i = 0; i < 5000; i++)
        {
            session.Run([x, x]);
        }
        var after = SettledRss();

        var growth = after - before;
        output.WriteLine($"RSS before {before / 1024} KiB, after 5000 runs {after / 1024} KiB, growth {growth / 1024} KiB.");
        Assert.True(growth < AllowedGrowthBytes, $"RSS grew by {growth / 1024} KiB over 5000 runs.");
    }

    private static long SettledRss()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return ReadRss();
    }

    /// <summary>VmRSS from /proc/self/status, in bytes.</summary>
    private static long ReadRss()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kib = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return kib * 1024;
    }
}
