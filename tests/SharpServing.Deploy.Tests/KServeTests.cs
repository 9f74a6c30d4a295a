namespace SharpServing.Deploy.Tests;

/// <summary>
/// The KServe objects of deploy/kserve against the openAPIV3Schema of KServe's CRDs (kserve-schemas/, extracted from
/// KServe's config/crd/full), with ajv; unknown fields are refused as kubectl's strict field validation refuses them.
/// </summary>
public sealed class KServeTests
{
    [Fact]
    public async Task The_KServe_objects_are_valid_against_KServe_CRD_schemas()
    {
        string[] files = ["servingruntime.yaml", "inferenceservice.yaml", "inferenceservice-grpc.yaml", "inferenceservice-canary.yaml"];
        var yaml = string.Join("\n---\n", await Task.WhenAll(files.Select(f => File.ReadAllTextAsync(Path.Combine(DeployTools.KServe, f)))));

        var report = await DeployTools.ValidateAsync(yaml);

        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.Equal(
            ["ok serving.kserve.io/v1alpha1 ServingRuntime/sharpserving", "ok serving.kserve.io/v1beta1 InferenceService/add",
             "ok serving.kserve.io/v1beta1 InferenceService/add-grpc", "ok serving.kserve.io/v1beta1 InferenceService/add"],
            report.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task The_runtime_declares_the_V2_protocols_and_serves_the_folder_KServe_mounts()
    {
        var yaml = await File.ReadAllTextAsync(Path.Combine(DeployTools.KServe, "servingruntime.yaml"));

        Assert.Contains("protocolVersions:\n    - v2\n    - grpc-v2", yaml, StringComparison.Ordinal);
        Assert.Contains("- name: kserve-container", yaml, StringComparison.Ordinal);
        Assert.Contains("- --servables\n        - /mnt/models", yaml, StringComparison.Ordinal);
        var canary = await File.ReadAllTextAsync(Path.Combine(DeployTools.KServe, "inferenceservice-canary.yaml"));
        Assert.Contains("canaryTrafficPercent: 10", canary, StringComparison.Ordinal);
        Assert.Contains("storageUri: s3://models/sharpserving/v2", canary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_validator_refuses_KServe_objects_that_break_the_schema()
    {
        var plain = await File.ReadAllTextAsync(Path.Combine(DeployTools.KServe, "inferenceservice.yaml"));
        var canary = await File.ReadAllTextAsync(Path.Combine(DeployTools.KServe, "inferenceservice-canary.yaml"));
        var yaml = plain.Replace("      runtime: sharpserving", "      runtime: sharpserving\n      modelPath: /x", StringComparison.Ordinal)
            + "\n---\n" + canary.Replace("    canaryTrafficPercent: 10", "    canaryTrafficPercent: ten", StringComparison.Ordinal);

        var report = await DeployTools.ValidateAsync(yaml);

        Assert.Equal(1, report.ExitCode);
        Assert.Contains("spec/predictor/model must NOT have additional properties", report.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("canaryTrafficPercent must be integer", report.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("ok ", report.StandardOutput, StringComparison.Ordinal);
    }
}
