using System.Reflection;

namespace SharpServing.EndToEnd.Tests.Infrastructure;

/// <summary>Where the repository, the server the solution built, and Debian's test media are.</summary>
internal static class RepoPaths
{
    public const string GraceHopper = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg";

    public const string Python = "/usr/bin/python3";

    public static string Root { get; } = Metadata("RepoRoot");

    public static string Servables => Combine("servables");

    /// <summary>
    /// The sharpserving host as <c>./test.sh</c> builds it (the solution in Release). SHARPSERVING_HOST_DLL points
    /// elsewhere, e.g. at a build with its own artifacts path.
    /// </summary>
    public static string ServerDll
    {
        get
        {
            var path = Environment.GetEnvironmentVariable("SHARPSERVING_HOST_DLL")
                ?? Combine("host", "SharpServing.Host", "bin", "Release", "net10.0", "sharpserving.dll");
            Assert.True(File.Exists(path), $"{path} is missing: build the solution in Release first (./test.sh does).");
            return path;
        }
    }

    /// <summary>The example program, built next to this test assembly (a project reference).</summary>
    public static string ClientExampleDll => Path.Combine(AppContext.BaseDirectory, "SharpServing.ClientExample.dll");

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>A file the setup installs (models, Debian packages); fails with a clear message when it is missing.</summary>
    public static string Installed(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing: run ./test.sh (or scripts/setup.sh) to install it.");
        return path;
    }

    private static string Metadata(string key)
        => typeof(RepoPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException($"Assembly metadata {key} has no value.");
}
