using System.Text.Json;

namespace SharpServing.Examples.Tests.Fidelity;

/// <summary>
/// The OCR fidelity set, made at test time by <c>ocr_set.py</c> (rendered with Debian fonts through python3-pil) in a temp
/// folder, plus two photographed book pages from opencv-doc that the setup puts into the cache.
/// </summary>
internal static class OcrFidelitySet
{
    public static string PhotoDirectory => System.IO.Path.Combine(TestPaths.Cache, "fidelity", "opencv-doc");

    public static async Task<IReadOnlyList<OcrFidelityImage>> WriteAsync(string directory, CancellationToken cancellationToken)
    {
        Assert.True(File.Exists(System.IO.Path.Combine(PhotoDirectory, "imageTextR.png")),
            $"{PhotoDirectory} has no photographs: run ./test.sh (or source scripts/setup.sh; ss_install_fidelity_references).");
        var script = System.IO.Path.Combine(TestPaths.RepoRoot, "tests", "SharpServing.Examples.Tests", "Fidelity", "ocr_set.py");
        await Tool.RunAsync("/usr/bin/python3", [script, directory, PhotoDirectory], cancellationToken);
        await using var json = File.OpenRead(System.IO.Path.Combine(directory, "set.json"));
        var entries = await JsonSerializer.DeserializeAsync<Entry[]>(json, JsonSerializerOptions.Web, cancellationToken)
            ?? throw new InvalidDataException("set.json is empty.");
        return [.. entries.Select(e => new OcrFidelityImage(e.Name, System.IO.Path.Combine(directory, e.File), e.Text, e.UpsideDown))];
    }

    private sealed record Entry(string Name, string File, string Text, bool UpsideDown);
}
