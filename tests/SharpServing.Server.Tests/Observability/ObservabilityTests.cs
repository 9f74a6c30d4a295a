using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;
using SharpServing.Engine.Configuration;
using SharpServing.Server.Tests.Reload;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace SharpServing.Server.Tests.Observability;

/// <summary>The scrape endpoint, the health probes through the server's states, and the request span, on the real server.</summary>
public sealed class ObservabilityTests : IDisposable
{
    private readonly ReloadRepository _repository = new();

    public ObservabilityTests()
    {
        _repository.WriteScript("add", edit: 0);
        _repository.AddVersion("add", 1);
    }

    public void Dispose() => _repository.Dispose();

    [Fact]
    public async Task Metrics_count_each_request_by_reason_with_a_latency_histogram_and_process_metrics()
    {
        // A servable name of its own: the instruments are process-wide and other tests run alongside.
        _repository.WriteScript("metered", edit: 0);
        _repository.AddVersion("metered", 3);
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root });
        const int requests = 7;
        for (var i = 0; i < requests; i++)
        {
            Assert.Null((await server.PredictAsync("metered")).Error);
        }
        Assert.NotNull((await server.PredictAsync("nope")).Error);

        var text = await GetTextAsync(server, "/metrics", accept: null);

        string[] success = ["servable=\"metered\"", "method=\"add_common\"", "version=\"3\"", "protocol=\"rest\"", "outcome=\"ok\"", "reason=\"success\""];
        Assert.Equal(requests, Sample(text, "sharpserving_requests_total{", success));
        Assert.Equal(requests, Sample(text, "sharpserving_request_duration_seconds_count{", success));
        Assert.Equal(requests, Sample(text, "sharpserving_request_duration_seconds_bucket{", [.. success, "le=\"+Inf\""]));
        Assert.True(Sample(text, "sharpserving_requests_total{", "servable=\"unknown\"", "reason=\"not_available\"") >= 1);
        Assert.DoesNotContain("servable=\"nope\"", text, StringComparison.Ordinal);
        Assert.Equal(0, Sample(text, "sharpserving_requests_pending{", "servable=\"metered\""));
        Assert.Equal(1, Sample(text, "sharpserving_servable_version_state{", "servable=\"metered\"", "version=\"3\"", "state=\"available\""));
        Assert.Equal(1, Sample(text, "sharpserving_servable_loads_total{", "servable=\"metered\"", "kind=\"load\"", "outcome=\"success\""));
        Assert.Equal(1, Sample(text, "sharpserving_servable_load_duration_seconds_count{", "servable=\"metered\""));
        Assert.Contains(Lines(text), l => l.StartsWith("sharpserving_stage_duration_seconds_count{", StringComparison.Ordinal)
            && l.Contains("kind=\"model\"", StringComparison.Ordinal) && l.Contains("stage=\"1\"", StringComparison.Ordinal));
        Assert.Contains(Lines(text), l => l.StartsWith("sharpserving_stage_duration_seconds_count{", StringComparison.Ordinal)
            && l.Contains("kind=\"function\"", StringComparison.Ordinal) && l.Contains("stage=\"2\"", StringComparison.Ordinal));
        Assert.Contains("le=\"5E-05\"", text, StringComparison.Ordinal);
        Assert.Contains("le=\"60\"", text, StringComparison.Ordinal);
        Assert.True(Sample(text, "sharpserving_batch_size_count{") >= requests);
        Assert.Contains(Lines(text), l => l.StartsWith("sharpserving_model_run_duration_seconds_bucket{", StringComparison.Ordinal));
        Assert.Contains(Lines(text), l => l.StartsWith("process_cpu_time_seconds_total", StringComparison.Ordinal));
        Assert.Contains(Lines(text), l => l.StartsWith("process_memory_usage_bytes", StringComparison.Ordinal));
        Assert.Contains(Lines(text), l => l.StartsWith("dotnet_gc_collections_total", StringComparison.Ordinal));
        Assert.Contains(Lines(text), l => l.StartsWith("dotnet_thread_pool_threads", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_are_served_in_OpenMetrics_when_the_scraper_asks()
    {
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root });
        Assert.Null((await server.PredictAsync("add")).Error);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text; version=1.0.0");
        using var response = await server.Client.SendAsync(request).WaitAsync(ReloadServer.Timeout);
        var text = await response.Content.ReadAsStringAsync().WaitAsync(ReloadServer.Timeout);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/openmetrics-text", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("# EOF\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_metrics_off_the_path_is_not_served()
    {
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root, Metrics = false });
        using var response = await server.Client.GetAsync("/metrics").WaitAsync(ReloadServer.Timeout);
        var text = await response.Content.ReadAsStringAsync().WaitAsync(ReloadServer.Timeout);
        Assert.DoesNotContain("# TYPE", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_metrics_off_the_V2_statistics_still_count_each_request()
    {
        // The statistics read the engine's request counts, which no longer need a metrics listener.
        _repository.WriteScript("counted", edit: 0);
        _repository.AddVersion("counted", 2);
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root, Metrics = false });
        const int requests = 3;
        for (var i = 0; i < requests; i++)
        {
            Assert.Null((await server.PredictAsync("counted")).Error);
        }

        var model = Assert.Single(server.Server.V2.Statistics.ToProto("counted.add_common", null).ModelStats);

        Assert.Equal("2", model.Version);
        Assert.Equal((ulong)requests, model.InferenceCount);
        Assert.Equal((ulong)requests, model.InferenceStats.Success.Count);
        Assert.True(model.InferenceStats.Success.Ns > 0);
        Assert.Equal(0UL, model.InferenceStats.Fail.Count);
        Assert.InRange((long)model.LastInference, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(),
            DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Probes_are_live_and_ready_then_not_ready_while_draining_and_requests_are_still_served()
    {
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root });
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, "/v2/health/live"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, "/v2/health/ready"));
        Assert.Equal(ServingStatus.Serving, await server.HealthAsync(string.Empty));

        server.Server.BeginDrain();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(server, "/v2/health/ready"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, "/v2/health/live"));
        Assert.Equal(ServingStatus.NotServing, await server.HealthAsync(string.Empty));
        Assert.Null((await server.PredictAsync("add")).Error);
    }

    [Fact]
    public async Task Ready_is_false_while_a_servable_of_the_start_configuration_failed()
    {
        _repository.WriteScriptText("broken", "this is not C#");
        _repository.AddVersion("broken", 1);
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, await StatusAsync(server, "/v2/health/ready"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, "/v2/health/live"));
        Assert.Null((await server.PredictAsync("add")).Error);

        _repository.WriteScript("broken", edit: 0);
        using var reload = new HttpRequestMessage(HttpMethod.Post, "/v1/servables/broken/reload");
        using var reloaded = await server.AdminClient.SendAsync(reload).WaitAsync(ReloadServer.Timeout);
        Assert.Equal(HttpStatusCode.OK, reloaded.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, "/v2/health/ready"));
    }

    [Fact]
    public async Task A_request_with_a_traceparent_header_continues_the_callers_trace()
    {
        var spans = new List<Activity>();
        using var tracer = InMemoryTracer(spans);
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root });
        var traceId = ActivityTraceId.CreateRandom();
        var parent = ActivitySpanId.CreateRandom();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/model/add:add_common")
        {
            Content = new StringContent("""{"instances":[{"x1":[[1.0,2.0],[3.0,4.0]],"x2":[[10.0,20.0],[30.0,40.0]]}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{parent}-01");
        using var response = await server.Client.SendAsync(request).WaitAsync(ReloadServer.Timeout);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ours = await SpansOfAsync(tracer, spans, traceId);
        var http = Assert.Single(ours, s => s.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(parent, http.ParentSpanId);
        var predict = Assert.Single(ours, s => s.Source.Name == "SharpServing.Engine" && s.OperationName == "predict");
        Assert.Equal(http.SpanId, predict.ParentSpanId);
        Assert.Equal("add", predict.GetTagItem("sharpserving.servable"));
        Assert.Equal("success", predict.GetTagItem("sharpserving.reason"));
        // The add method: a model stage (tensor_add.onnx), then a C# stage; the model run is a child of its stage.
        var stages = ours.Where(s => s.ParentSpanId == predict.SpanId).OrderBy(s => s.StartTimeUtc).ToArray();
        Assert.Equal(["model stage", "stage"], stages.Select(s => s.OperationName));
        Assert.Equal([1, 2], stages.Select(s => (int)s.GetTagItem("sharpserving.stage")!));
        var run = Assert.Single(ours, s => s.OperationName == "model run");
        Assert.Equal(stages[0].SpanId, run.ParentSpanId);
        Assert.Equal(1, run.GetTagItem("sharpserving.batch_size"));
        Assert.All(ours.Where(s => s.OperationName == "queue wait"), s => Assert.Equal(stages[0].SpanId, s.ParentSpanId));
    }

    [Fact]
    public async Task The_access_log_writes_one_line_per_request_with_its_fields()
    {
        using var provider = new CapturingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(b => b.AddProvider(provider));
        await using var server = await ReloadServer.StartAsync(
            new ServingConfiguration { ServablesRoot = _repository.Root, AccessLog = true }, loggerFactory);

        Assert.Null((await server.PredictAsync("add")).Error);
        Assert.NotNull((await server.PredictAsync("nope")).Error);

        var lines = provider.Entries.Where(e => e.Category == "SharpServing.AccessLog").ToArray();
        Assert.Equal(2, lines.Length);
        Assert.All(lines, l => Assert.Equal(9000, l.EventId));
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(lines[0].Message,
            "^servable=add method=add_common version=0 protocol=rest status=Success duration_ms=[0-9.]+ bytes_in=32 bytes_out=16 trace_id=[0-9a-f]*$"),
            lines[0].Message);
        Assert.StartsWith("servable=nope method=add_common version=0 protocol=rest status=InvalidInputs ", lines[1].Message, StringComparison.Ordinal);
    }

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly List<(string Category, int EventId, string Message)> _entries = [];

        public IReadOnlyList<(string Category, int EventId, string Message)> Entries
        {
            get
            {
                lock (_entries)
                {
                    return [.. _entries];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._entries)
                {
                    owner._entries.Add((category, eventId.Id, formatter(state, exception)));
                }
            }
        }
    }

    [Fact]
    public async Task A_gRPC_call_with_traceparent_metadata_continues_the_callers_trace()
    {
        var spans = new List<Activity>();
        using var tracer = InMemoryTracer(spans);
        await using var server = await ReloadServer.StartAsync(new ServingConfiguration { ServablesRoot = _repository.Root });
        await using var grpc = await SharpServing.Server.Grpc.GrpcServerHost.StartAsync(
            SharpServing.Server.Hosting.ListenAddress.Tcp(IPAddress.Loopback, 0), 100, null, server.Server.Predictor).WaitAsync(ReloadServer.Timeout);
        using var channel = global::Grpc.Net.Client.GrpcChannel.ForAddress($"http://{grpc.Address}");
        var client = new SharpServing.Protocol.MSService.MSServiceClient(channel);
        var traceId = ActivityTraceId.CreateRandom();
        var parent = ActivitySpanId.CreateRandom();

        // No instances: the engine answers with its error, and the request span is there all the same.
        var reply = await client.PredictAsync(
            new SharpServing.Protocol.PredictRequest { ServableSpec = new SharpServing.Protocol.ServableSpec { Name = "add", MethodName = "add_common" } },
            new global::Grpc.Core.Metadata { { "traceparent", $"00-{traceId}-{parent}-01" } },
            deadline: DateTime.UtcNow.Add(ReloadServer.Timeout)).ResponseAsync.WaitAsync(ReloadServer.Timeout);
        Assert.NotEmpty(reply.ErrorMsg);
        var ours = await SpansOfAsync(tracer, spans, traceId);
        var call = Assert.Single(ours, s => s.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(parent, call.ParentSpanId);
        var predict = Assert.Single(ours, s => s.OperationName == "predict");
        Assert.Equal(call.SpanId, predict.ParentSpanId);
        Assert.Equal("grpc", predict.GetTagItem("sharpserving.protocol"));
        Assert.Equal("bad_input", predict.GetTagItem("sharpserving.reason"));
    }

    private static string[] Lines(string text) => text.Split('\n');

    /// <summary>The value of the one sample line that starts with <paramref name="prefix"/> and has every label.</summary>
    private static double Sample(string text, string prefix, params string[] labels)
    {
        var line = Assert.Single(Lines(text), l => l.StartsWith(prefix, StringComparison.Ordinal)
            && labels.All(label => l.Contains(label, StringComparison.Ordinal)));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<HttpStatusCode> StatusAsync(ReloadServer server, string path)
    {
        using var response = await server.Client.GetAsync(path).WaitAsync(ReloadServer.Timeout);
        return response.StatusCode;
    }

    private static async Task<string> GetTextAsync(ReloadServer server, string path, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }
        using var response = await server.Client.SendAsync(request).WaitAsync(ReloadServer.Timeout);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync().WaitAsync(ReloadServer.Timeout);
    }

    /// <summary>
    /// The spans of <paramref name="traceId"/> once ASP.NET Core's request span is among them: that span ends when the
    /// server has finished the response, which may be just after the client has read it.
    /// </summary>
    private static async Task<Activity[]> SpansOfAsync(TracerProvider tracer, List<Activity> spans, ActivityTraceId traceId)
    {
        var deadline = DateTime.UtcNow + ReloadServer.Timeout;
        while (true)
        {
            tracer.ForceFlush(10_000);
            Activity[] ours;
            lock (spans)
            {
                ours = [.. spans.Where(s => s.TraceId == traceId)];
            }
            if (ours.Any(s => s.Source.Name == "Microsoft.AspNetCore") || DateTime.UtcNow > deadline)
            {
                return ours;
            }
            await Task.Delay(20);
        }
    }

    /// <summary>The engine's and ASP.NET Core's spans, collected into <paramref name="spans"/>.</summary>
    private static TracerProvider InMemoryTracer(List<Activity> spans)
        => Sdk.CreateTracerProviderBuilder()
            .AddSource("SharpServing.Engine", "Microsoft.AspNetCore")
            .AddInMemoryExporter(spans)
            .Build();
}
