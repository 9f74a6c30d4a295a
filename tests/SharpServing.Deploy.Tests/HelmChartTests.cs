using System.Text.RegularExpressions;

namespace SharpServing.Deploy.Tests;

/// <summary>
/// The Helm chart (deploy/helm/sharpserving) rendered by the real helm for its default values and for each documented
/// option (one values file per option in the chart's ci/ folder, the chart-testing convention): helm lint is clean,
/// every rendered object is valid against the Kubernetes schemas, and each option renders what it promises.
/// </summary>
public sealed class HelmChartTests
{
    public static TheoryData<string, string[]> Options => new()
    {
        // values file (ci/), then texts the rendering must contain
        { "", ["kind: Deployment", "kind: Service", "kind: ConfigMap", "kind: ServiceAccount", "path: /v2/health/ready", "path: /v2/health/live"] },
        { "pvc-created-values.yaml", ["kind: PersistentVolumeClaim", "claimName: demo-sharpserving-servables", "storage: 20Gi", "- ReadOnlyMany"] },
        { "pvc-existing-values.yaml", ["claimName: model-repository", "subPath: sharpserving/servables"] },
        { "emptydir-init-values.yaml", ["initContainers:", "name: copy-servables", "- name: servables\n          emptyDir: {}"] },
        { "tls-values.yaml", ["- --ssl-certificate", "/var/run/secrets/sharpserving/tls/tls.crt", "scheme: HTTPS", "secretName: sharpserving-tls", "appProtocol: grpc"] },
        { "mtls-values.yaml", ["- --ssl-verify-client", "/var/run/secrets/sharpserving/tls/ca.crt", "tcpSocket:"] },
        { "secrets-values.yaml", ["- --admin-token-file", "/var/run/secrets/sharpserving/admin-token/token", "- --dec-key-file",
            "/var/run/secrets/sharpserving/model-key/key.bin", "- \"AES-CBC\"", "secretName: sharpserving-model-key"] },
        { "autoscaling-cpu-values.yaml", ["kind: HorizontalPodAutoscaler", "averageUtilization: 60", "maxReplicas: 8"] },
        { "autoscaling-pending-values.yaml", ["kind: HorizontalPodAutoscaler", "name: sharpserving_requests_pending", "averageValue: \"32\"", "stabilizationWindowSeconds: 300"] },
        { "monitoring-values.yaml", ["kind: ServiceMonitor", "path: /metrics", "release: prometheus", "kind: PodDisruptionBudget"] },
        { "lazy-budget-values.yaml", ["- --lazy-load", "- --loaded-memory-budget-mb", "- \"2048\"", "- --no-watch", "- --max-enqueued", "\"version_policy\": \"latest:2\""] },
        { "existing-configmap-values.yaml", ["name: sharpserving-config", "terminationGracePeriodSeconds: 120", "serviceAccountName: model-serving", "type: LoadBalancer"] },
    };

    [Fact]
    public async Task Helm_lint_is_clean_for_the_default_values_and_with_every_documented_option()
    {
        var plain = await DeployTools.HelmAsync("lint", DeployTools.Chart, "--strict");
        Assert.True(plain.ExitCode == 0, plain.ToString());
        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", plain.StandardOutput, StringComparison.Ordinal);
        foreach (var file in ValuesFiles())
        {
            var lint = await DeployTools.HelmAsync("lint", DeployTools.Chart, "--strict", "-f", file);
            Assert.True(lint.ExitCode == 0, $"{Path.GetFileName(file)}: {lint}");
            Assert.DoesNotContain("[WARNING]", lint.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_values_file_of_the_ci_folder_is_a_case_of_the_rendering_test()
    {
        var covered = Options.Select(o => (string)o[0]).Where(f => f.Length > 0).Order();
        Assert.Equal(ValuesFiles().Select(Path.GetFileName).Order(), covered);
    }

    [Theory]
    [MemberData(nameof(Options))]
    public async Task Each_option_renders_what_it_promises(string valuesFile, string[] expected)
    {
        var yaml = await DeployTools.TemplateAsync(valuesFile.Length == 0 ? [] : [Path.Combine(DeployTools.Chart, "ci", valuesFile)]);

        foreach (var text in expected)
        {
            Assert.Contains(text, yaml, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_object_of_every_option_is_valid_against_the_Kubernetes_schemas()
    {
        // One validator run over all renderings (each under its own release name, so the report names the option).
        var renderings = new List<string>();
        foreach (var valuesFile in Options.Select(o => (string)o[0]))
        {
            var release = valuesFile.Length == 0 ? "default" : valuesFile.Replace("-values.yaml", "", StringComparison.Ordinal);
            var result = await DeployTools.HelmAsync(["template", release, DeployTools.Chart, "--namespace", "models",
                .. valuesFile.Length == 0 ? Array.Empty<string>() : ["-f", Path.Combine(DeployTools.Chart, "ci", valuesFile)]]);
            Assert.True(result.ExitCode == 0, $"{valuesFile}: {result}");
            renderings.Add(result.StandardOutput);
        }
        var yaml = string.Join("\n---\n", renderings);

        var report = await DeployTools.ValidateAsync(yaml);

        Assert.True(report.ExitCode == 0, report.ToString());
        Assert.Equal(Regex.Count(yaml, "^kind: ", RegexOptions.Multiline), Regex.Count(report.StandardOutput, "^ok ", RegexOptions.Multiline));
        Assert.Contains("ok apps/v1 Deployment/default-sharpserving", report.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("ok monitoring.coreos.com/v1 ServiceMonitor/monitoring-sharpserving", report.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("ok autoscaling/v2 HorizontalPodAutoscaler/autoscaling-pending-sharpserving", report.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_deployment_drains_within_its_grace_period_as_a_non_root_user()
    {
        var yaml = await DeployTools.TemplateAsync([]);

        // preStop 3 s + drain delay 5 s + drain timeout 30 s, plus 10 s.
        Assert.Contains("terminationGracePeriodSeconds: 48", yaml, StringComparison.Ordinal);
        Assert.Contains("command: [\"sleep\", \"3\"]", yaml, StringComparison.Ordinal);
        Assert.Contains("- --drain-delay-ms\n            - \"5000\"", yaml, StringComparison.Ordinal);
        Assert.Contains("- --drain-timeout-ms\n            - \"30000\"", yaml, StringComparison.Ordinal);
        Assert.Contains("runAsNonRoot: true", yaml, StringComparison.Ordinal);
        Assert.Contains("readOnlyRootFilesystem: true", yaml, StringComparison.Ordinal);
        Assert.Contains("containerPort: 5500", yaml, StringComparison.Ordinal);
        Assert.Contains("containerPort: 1500", yaml, StringComparison.Ordinal);
        Assert.Contains("maxUnavailable: 0", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("kind: HorizontalPodAutoscaler", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("kind: ServiceMonitor", yaml, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("terminationGracePeriodSeconds=30", "terminationGracePeriodSeconds (30) must be longer than the drain")]
    [InlineData("server.loadedMemoryBudgetMb=512", "server.loadedMemoryBudgetMb needs server.lazyLoad")]
    [InlineData("tls.enabled=true", "tls.enabled needs tls.secretName")]
    [InlineData("servables.source=s3", "servables.source must be image, pvc or emptyDir")]
    [InlineData("autoscaling.enabled=true,autoscaling.targetCPUUtilizationPercentage=null", "autoscaling.enabled needs targetCPUUtilizationPercentage or targetPendingRequests")]
    public async Task Combinations_that_would_fail_in_the_cluster_fail_the_rendering(string set, string message)
    {
        var result = await DeployTools.HelmAsync("template", "demo", DeployTools.Chart, "--set", set);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_validator_refuses_an_object_that_breaks_the_schema()
    {
        var yaml = (await DeployTools.TemplateAsync([])).Replace("periodSeconds: 5", "periodSeconds: \"five\"", StringComparison.Ordinal);

        var report = await DeployTools.ValidateAsync(yaml);

        Assert.Equal(1, report.ExitCode);
        Assert.Contains("INVALID apps/v1 Deployment/demo-sharpserving", report.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("startupProbe/periodSeconds must be integer", report.StandardOutput, StringComparison.Ordinal);
    }

    private static IEnumerable<string> ValuesFiles() => Directory.EnumerateFiles(Path.Combine(DeployTools.Chart, "ci"), "*-values.yaml").Order();
}
