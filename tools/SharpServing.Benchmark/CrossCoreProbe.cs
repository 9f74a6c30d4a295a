using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SharpServing.Benchmark;

/// <summary>
/// How long a cache line takes to go from one CPU to another and back, once a second: two threads pinned to two CPUs
/// hand a counter back and forth 2,000 times, five times over, and the best of the five is printed in ns per round trip.
/// On a virtual machine the figure tells where the hypervisor placed the vCPUs: two threads of one core or one core
/// complex (tens of ns), or cores that share no cache (hundreds). A server that hands each request between threads a few
/// times costs more CPU per request in the second case, so a run's seconds can be sorted by it (docs/benchmarks.md).
/// </summary>
internal static class CrossCoreProbe
{
    private const int RoundTrips = 2_000;
    private const int Tries = 5;

    public static int Run(CommandLine line, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new UsageException("cross-core pins threads with sched_setaffinity: Linux only");
        }
        var seconds = line.Ints("seconds", [60])[0];
        var cpus = line.Ints("cpus", [0, 1], min: 0);
        if (cpus.Count != 2 || cpus[0] == cpus[1] || cpus.Any(c => c < 0 || c >= Math.Min(Environment.ProcessorCount, 64)))
        {
            throw new UsageException($"--cpus takes two different CPU numbers below {Math.Min(Environment.ProcessorCount, 64)}");
        }
        line.ThrowIfUnused();
        Console.WriteLine($"# cross-core round trip between CPU {cpus[0]} and CPU {cpus[1]}, best of {Tries} x {RoundTrips}, once a second");
        // Until --seconds have passed or the process is told to stop (SIGINT, SIGTERM).
        for (var i = 0; i < seconds && !cancellationToken.IsCancellationRequested; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var nanoseconds = Measure(cpus[0], cpus[1]);
            Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {nanoseconds:F0} ns");
            var rest = TimeSpan.FromSeconds(1) - Stopwatch.GetElapsedTime(started);
            if (rest > TimeSpan.Zero)
            {
                cancellationToken.WaitHandle.WaitOne(rest);
            }
        }
        return 0;
    }

    private static double Measure(int first, int second)
    {
        var line = new SharedLine();
        var responder = new Thread(() =>
        {
            Pin(second);
            // Odd values are the prober's: answer each with the next even one, until told to stop.
            while (true)
            {
                var value = Volatile.Read(ref line.Value);
                if (value < 0)
                {
                    return;
                }
                if ((value & 1) == 1)
                {
                    Volatile.Write(ref line.Value, value + 1);
                }
            }
        }) { IsBackground = true };
        var best = double.MaxValue;
        var prober = new Thread(() =>
        {
            Pin(first);
            long value = 0;
            for (var attempt = 0; attempt < Tries; attempt++)
            {
                var started = Stopwatch.GetTimestamp();
                for (var i = 0; i < RoundTrips; i++)
                {
                    Volatile.Write(ref line.Value, ++value);
                    while (Volatile.Read(ref line.Value) == value)
                    {
                    }
                    value++;
                }
                best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalNanoseconds / RoundTrips);
            }
            Volatile.Write(ref line.Value, -1);
        });
        responder.Start();
        prober.Start();
        prober.Join();
        responder.Join();
        return best;
    }

    private static void Pin(int cpu)
    {
        var mask = 1UL << cpu;
        if (SchedSetAffinity(0, sizeof(ulong), ref mask) != 0)
        {
            throw new InvalidOperationException($"sched_setaffinity to CPU {cpu} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static extern int SchedSetAffinity(int pid, nint size, ref ulong mask);

    // The counter alone on its cache line.
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private sealed class SharedLine
    {
        [FieldOffset(64)]
        public long Value;
    }
}
