using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SharpServing.Tests.Shared;

namespace SharpServing.Deploy.Tests;

/// <summary>
/// The container arguments and the start configuration the chart renders, given to the real server (paths and
/// addresses moved to this machine): it accepts every option, turns ready, and answers add. So a renamed or removed
/// server option fails here, not in a cluster.
/// </summary>
public sealed class RenderedServerTests
{
    // The rendered load limit is 300 s; a busy machine compiles the add script slowly on its first request.
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(300);

    [Fact]
    public async Task The_rendered_arguments_and_configuration_start_the_real_server()
    {
        var yaml = await DeployTools.TemplateAsync([Path.Combine(DeployTools.Chart, "ci", "lazy-budget-values.yaml")]);
        var args = RenderedArgs(yaml);
        var config = JsonNode.Parse(RenderedConfig(yaml))!.AsObject();
        Assert.Equal("/srv/servables", (string?)config["servables_root"]);
        Assert.Equal("latest:2", (string?)config["version_policy"]);

        var work = Directory.CreateTempSubdirectory("ss-rendered-");
        var servables = Path.Combine(DeployTools.RepoRoot, "servables");
        Assert.True(File.Exists(Path.Combine(servables, "add", "1", "tensor_add.onnx")), "servables/add has no model: run ./test.sh first");
        config["servables_root"] = servables;
        config["compile_cache"] = Path.Combine(work.FullName, "scripts");
        var configFile = Path.Combine(work.FullName, "config.json");
        await File.WriteAllTextAsync(configFile, config.ToJsonString());
        var rest = $"127.0.0.1:{FreePort.Next()}";
        var local = args.Select(a => a switch
        {
            "/etc/sharpserving/config.json" => configFile,
            "0.0.0.0:5500" => $"127.0.0.1:{FreePort.Next()}",
            "0.0.0.0:1500" => rest,
            _ => a,
        }).ToList();
        Assert.Contains("--lazy-load", local);
        Assert.Contains("--loaded-memory-budget-mb", local);

        var output = new StringBuilder();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(DeployTools.RepoRoot, "host", "SharpServing.Host", "bin", "Release", "net10.0", "sharpserving.dll"));
        foreach (var arg in local)
        {
            start.ArgumentList.Add(arg);
        }
        using var server = Process.Start(start)!;
        server.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        server.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://{rest}"), Timeout = s_timeout };
            await WaitReadyAsync(client, server, output);
            using var content = new StringContent("""{"instances":{"x1":[[1.0,2.0],[3.0,4.0]],"x2":[[10.0,20.0],[30.0,40.0]]}}""");
            using var reply = await client.PostAsync("/model/add:add_common", content);
            Assert.Equal("""{"instances":[{"y":[[11.0,22.0],[33.0,44.0]]}]}""", await reply.Content.ReadAsStringAsync());
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            work.Delete(recursive: true);
        }
    }

    private static async Task WaitReadyAsync(HttpClient client, Process server, StringBuilder output)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(server.HasExited, $"the server exited:\n{Text(output)}");
            try
            {
                using var ready = await client.GetAsync("/v2/health/ready");
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            Assert.True(deadline.Elapsed < s_timeout, $"not ready within {s_timeout}:\n{Text(output)}");
            await Task.Delay(200);
        }
    }

    /// <summary>The container's args: the YAML list under <c>args:</c>, quotes removed.</summary>
    private static List<string> RenderedArgs(string yaml)
    {
        var block = Regex.Match(yaml, @"^          args:\n((?:            - .*\n)+)", RegexOptions.Multiline);
        Assert.True(block.Success, "no container args in the rendering");
        return [.. block.Groups[1].Value.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Trim()[2..].Trim('"'))];
    }

    /// <summary>The ConfigMap's config.json: the block under <c>config.json: |</c>.</summary>
    private static string RenderedConfig(string yaml)
    {
        var block = Regex.Match(yaml, @"^  config\.json: \|\n((?:    .*\n)+)", RegexOptions.Multiline);
        Assert.True(block.Success, "no config.json in the rendering");
        return block.Groups[1].Value;
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
