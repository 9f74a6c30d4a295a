using System.Runtime.InteropServices;

namespace SharpServing.OnnxRuntime.Internal;

/// <summary>
/// Gives the C heap's free pages back to the system after a session is closed. A session's graph, weights and arena
/// are malloc'd on whichever thread opened it, so they land in glibc's per-thread arenas; freeing them leaves the pages
/// resident in those arenas (glibc only trims an arena's top), and every hot reload of a servable with models added
/// its models' size to the process's resident memory until the arenas happened to be reused (docs/fuzzing.md, the
/// soak). <c>malloc_trim(0)</c> releases the free pages of every arena. glibc only: elsewhere this does nothing.
/// </summary>
internal static partial class NativeHeap
{
    private static bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>Returns the free pages of every malloc arena to the system (a few milliseconds; holds each arena's lock
    /// while it walks it).</summary>
    public static void Trim()
    {
        if (Volatile.Read(ref s_unavailable))
        {
            return;
        }
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            // Not glibc (musl has no malloc_trim): its allocator keeps its own policy.
            Volatile.Write(ref s_unavailable, true);
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
