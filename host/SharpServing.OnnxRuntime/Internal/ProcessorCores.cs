using System.Globalization;

namespace SharpServing.OnnxRuntime.Internal;

/// <summary>
/// The number of physical cores this process may run on: ONNX Runtime's own default for the intra-op thread count,
/// computed here so that the count can be passed explicitly. Left at 0, ORT also pins each of its worker threads to one
/// core; in a server the thread that calls <c>Run</c> changes from request to request (thread-pool workers) and lands on
/// a pinned worker's core about half the time, where the two take turns on one core while another sits idle
/// (docs/benchmarks.md, "ocr.detect at the model's own speed"). An explicit count gives the same threads, unpinned.
/// </summary>
internal static class ProcessorCores
{
    private static readonly Lazy<int> s_physical = new(Count);

    /// <summary>Physical cores among the processors this process may use; at least 1, at most <see cref="Environment.ProcessorCount"/>.</summary>
    public static int Physical => s_physical.Value;

    private static int Count()
    {
        // ProcessorCount already honours the affinity mask and a cgroup CPU limit.
        var logical = Environment.ProcessorCount;
        if (!OperatingSystem.IsLinux())
        {
            return logical;
        }
        try
        {
            // The processors this process may use (its affinity), e.g. "Cpus_allowed_list:\t0-3,8-11"; the
            // hyper-threads of one core list the same siblings.
            var allowed = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal));
            if (allowed is null)
            {
                return logical;
            }
            var cores = new HashSet<string>(StringComparer.Ordinal);
            foreach (var range in allowed["Cpus_allowed_list:".Length..].Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var bounds = range.Split('-');
                int first = int.Parse(bounds[0], CultureInfo.InvariantCulture), last = int.Parse(bounds[^1], CultureInfo.InvariantCulture);
                for (var cpu = first; cpu <= last; cpu++)
                {
                    var siblings = $"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list";
                    cores.Add(File.Exists(siblings) ? File.ReadAllText(siblings).Trim() : $"cpu{cpu}");
                }
            }
            return cores.Count == 0 ? logical : Math.Clamp(cores.Count, 1, logical);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return logical;
        }
    }
}
