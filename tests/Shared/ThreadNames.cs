namespace SharpServing.Tests.Shared;

/// <summary>The names of this process's threads, as the kernel keeps them (<c>/proc/self/task/*/comm</c>, 15 characters at most).</summary>
internal static class ThreadNames
{
    public static HashSet<string> OfThisProcess()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                names.Add(File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n'));
            }
            catch (IOException)
            {
                // The thread ended while the list was read.
            }
        }
        return names;
    }
}
