namespace SharpServing.Conformance.Tests;

/// <summary>One test of the ONNX suite: a folder holding <c>model.onnx</c> and <c>test_data_set_*/</c>.</summary>
/// <param name="Id">Suite and folder name, as the known-failures file spells it: <c>node/test_abs</c>.</param>
/// <param name="Directory">The test's folder.</param>
internal sealed record ConformanceCase(string Id, string Directory)
{
    public const string DataRoot = "/usr/share/libonnx-testdata/data";

    /// <summary>The suites run here; <c>real/</c> only points at downloads and is left out.</summary>
    public static readonly string[] Suites = ["node", "pytorch-converted", "pytorch-operator", "simple"];

    public static IReadOnlyList<ConformanceCase> InSuite(string suite)
        => [.. System.IO.Directory.GetDirectories(Path.Combine(DataRoot, suite))
            .Where(d => File.Exists(Path.Combine(d, "model.onnx")))
            .Order(StringComparer.Ordinal)
            .Select(d => new ConformanceCase($"{suite}/{Path.GetFileName(d)}", d))];
}
