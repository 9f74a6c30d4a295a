using System.Text.Json;

namespace SharpServing.Examples.Tests.Fidelity;

/// <summary>
/// The vad servable's reference: vad-web 0.0.31's Silero v5 wrapper (extracted by the setup into the cache) over the
/// same model file, run by node on the ocr reference's onnxruntime-node.
/// </summary>
internal static class VadReference
{
    private static string VadWeb => Path.Combine(TestPaths.Cache, "vad-reference");

    /// <summary>Why the reference cannot run here, or null when it can.</summary>
    public static string? Unavailable()
    {
        if (OcrReference.Unavailable() is { } why)
        {
            return why;
        }
        return File.Exists(Path.Combine(VadWeb, "models", "silero.js"))
            ? null
            : $"{VadWeb} has no vad-web Silero wrapper (source scripts/setup.sh; ss_install_fidelity_references)";
    }

    /// <summary>The speech probability of each 512-sample frame of <paramref name="audio"/> (16 kHz mono).</summary>
    public static async Task<float[]> SpeechProbabilityAsync(float[] audio, string directory, CancellationToken cancellationToken)
    {
        var input = Path.Combine(directory, $"vad-{Guid.NewGuid():N}.f32");
        var result = Path.ChangeExtension(input, ".json");
        var bytes = new byte[audio.Length * sizeof(float)];
        Buffer.BlockCopy(audio, 0, bytes, 0, bytes.Length);
        await File.WriteAllBytesAsync(input, bytes, cancellationToken);
        var script = Path.Combine(TestPaths.RepoRoot, "tests", "SharpServing.Examples.Tests", "Fidelity", "reference", "vad.mjs");
        var model = TestPaths.ServableFile("vad", "1/silero_vad.onnx");
        await Tool.RunAsync(Tool.Find("node")!, [script, OcrReference.Directory, VadWeb, model, input, result], cancellationToken);
        return JsonSerializer.Deserialize<float[]>(await File.ReadAllTextAsync(result, cancellationToken)) ?? [];
    }
}
