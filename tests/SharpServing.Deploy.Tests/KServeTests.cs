namespace SharpServing.Deploy.Tests;

/// <summary>
/// The KServe objects of deploy/kserve against the openAPIV3Schema of KServe's CRDs (kserve-schemas/, extracted from
/// KServe's config/crd/full), with ajv; unknown fields are refused as kubectl's strict field validation refuses them.
/// </summary>
public sealed class KServeTests
{
    [Theory]
    [InlineData("servingruntime.yaml", "ok serving.kserve.io/v1alpha1 ServingRuntime/sharpserving")]
    [InlineData("inferenceservice.yaml", "ok serving.kserve.io/v1beta1 InferenceService/add")]
    [InlineData("inferenceservice-grpc.yaml", "ok serving.kserve.io/v1beta1 InferenceService/add-grpc")]
    [InlineData("inferenceservice-canary.yaml", "ok serving.kserve.io/v1beta1 InferenceService/add")]
    public async Task The_KServe_objects_are_valid_against_KServe_CRD_schemas(string file, string expected)
    {
        var yaml = await File.ReadAllTextAsync(Path.Combine(DeployTools.KServe, file));

        var report = await DeployTools.ValidateAsync(yaml);

        Assert.True(report.ExitCode == 0, $"{file}: {report}");
        Assert.Contains(expected, report.StandardOutput, StringComparison.Ordinal);
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

    [Theory]
    [InlineData("      runtime: sharpserving", "      runtime: sharpserving\n      modelPath: /x", "spec/predictor/model must NOT have additional properties")]
    [InlineData("    canaryTrafficPercent: 10", "    canaryTrafficPercent: ten", "canaryTrafficPercent must be integer")]
    public async Task The_validator_refuses_a_KServe_object_that_breaks_the_schema(string find, string replace, string error)
    {
        var file = find.Contains("canary", StringComparison.Ordinal) ? "inferenceservice-canary.yaml" : "inferenceservice.yaml";
        var yaml = (await File.ReadAllTextAsync(Path.Combine(DeployTools.KServe, file))).Replace(find, replace, StringComparison.Ordinal);

        var report = await DeployTools.ValidateAsync(yaml);

        Assert.Equal(1, report.ExitCode);
        Assert.Contains(error, report.StandardOutput, StringComparison.Ordinal);
    }
}
