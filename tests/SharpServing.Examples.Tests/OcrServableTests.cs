using OpenTelemetry.Trace;
using SharpServing.Tests.Shared;
using Xunit.Abstractions;

namespace SharpServing.Examples.Tests;

public sealed class OcrServableTests(OcrServableTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<OcrServableTests.Fixture>
{
    private static readonly string[] s_lines = ["Hello SharpServing", "The quick brown fox 42"];

    [Theory]
    [InlineData("png")]
    [InlineData("jpg")]
    public async Task Recognize_reads_back_the_rendered_lines_in_order(string format)
    {
        var (image, _) = await fixture.Media.RenderTextAsync(s_lines, format);

        var text = (await fixture.RunAsync("recognize", image))["text"].GetString();

        output.WriteLine(text);
        var lines = text.Split('\n');
        Assert.Equal(s_lines.Length, lines.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            Assert.Equal(s_lines[i], lines[i]);
        }
    }

    [Fact]
    public async Task Recognize_keeps_the_spaces_of_a_short_line_read_with_a_long_one()
    {
        string[] lines = ["The committee will review every application before the end of the month.", "AT ALL TIMES"];
        var (image, _) = await fixture.Media.RenderTextAsync(lines, "png", width: 1100, fontSize: 20);

        var text = (await fixture.RunAsync("recognize", image))["text"].GetString();

        output.WriteLine(text);
        Assert.Equal(lines, text.Split('\n'));
    }

    [Fact]
    public async Task Recognize_reads_a_tilted_page_line_by_line()
    {
        string[] lines = ["Most of the town was still asleep", "when the first train pulled into", "the station. A few travellers"];
        var (image, _) = await fixture.Media.RenderTextAsync(lines, "png", fontSize: 24, tiltDegrees: 5, lineSpacing: 1.2);

        var text = (await fixture.RunAsync("recognize", image))["text"].GetString();

        output.WriteLine(text);
        Assert.Equal(lines, text.Split('\n'));
    }

    [Fact]
    public async Task Recognize_turns_upside_down_lines_with_the_direction_classifier()
    {
        string[] lines = ["Serving upside down", "in reading order"];
        var (image, _) = await fixture.Media.RenderTextAsync(lines, "png", upsideDown: true);

        var text = (await fixture.RunAsync("recognize", image))["text"].GetString();

        output.WriteLine(text);
        Assert.Equal(lines, text.Split('\n'));
    }

    [Fact]
    public async Task Detect_returns_one_box_around_each_rendered_line()
    {
        var (image, lineBoxes) = await fixture.Media.RenderTextAsync(s_lines, "png");

        var boxes = (await fixture.RunAsync("detect", image))["boxes"];

        Assert.Equal(DataType.Int32, boxes.DataType);
        Assert.Equal([2L, 4L, 2L], boxes.Shape.ToArray());
        var corners = boxes.ToArray<int>();
        for (var i = 0; i < 2; i++)
        {
            var xs = new[] { corners[(i * 8) + 0], corners[(i * 8) + 2], corners[(i * 8) + 4], corners[(i * 8) + 6] };
            var ys = new[] { corners[(i * 8) + 1], corners[(i * 8) + 3], corners[(i * 8) + 5], corners[(i * 8) + 7] };
            var ink = lineBoxes[i];
            output.WriteLine($"box {i}: ({xs.Min()}, {ys.Min()})-({xs.Max()}, {ys.Max()}), ink ({ink[0]}, {ink[1]})-({ink[2]}, {ink[3]})");
            // Corners in order top-left, top-right, bottom-right, bottom-left.
            Assert.True(xs[0] < xs[1] && xs[3] < xs[2] && ys[0] < ys[3] && ys[1] < ys[2]);
            // Each side of the box lies within a third of the line height of the ink's.
            var margin = (ink[3] - ink[1]) / 3;
            Assert.InRange(xs.Min(), ink[0] - margin, ink[0] + margin);
            Assert.InRange(ys.Min(), ink[1] - margin, ink[1] + margin);
            Assert.InRange(xs.Max(), ink[2] - margin, ink[2] + margin);
            Assert.InRange(ys.Max(), ink[3] - margin, ink[3] + margin);
        }
    }

    [Fact]
    public async Task An_image_without_text_gives_no_boxes_and_empty_text()
    {
        var blank = await fixture.Media.FlatImageAsync(320, 96, "white");

        var boxes = (await fixture.RunAsync("detect", blank))["boxes"];
        var text = (await fixture.RunAsync("recognize", blank))["text"];

        Assert.Equal([0L, 4L, 2L], boxes.Dims);
        Assert.Equal("", text.GetString());
    }

    [Fact]
    public async Task Bytes_that_are_not_an_image_fail_that_instance_with_the_decoder_message_and_the_servable_keeps_serving()
    {
        var reply = await fixture.Servables.CallAsync("ocr", "recognize", new Dictionary<string, Tensor> { ["image"] = Tensor.FromBytes("not an image"u8.ToArray()) });

        var error = reply.Error ?? Assert.Single(reply.Instances).Error;
        Assert.NotNull(error);
        Assert.Contains("neither JPEG nor PNG", error.ToString());
        var (image, _) = await fixture.Media.RenderTextAsync(["Still serving"], "png");
        Assert.Equal("STILLSERVING", Squeeze((await fixture.RunAsync("recognize", image))["text"].GetString()));
    }

    [Fact]
    public async Task One_recognize_request_gives_a_span_tree_of_its_stages_and_model_runs()
    {
        var spans = new List<System.Diagnostics.Activity>();
        using var tracer = OpenTelemetry.Sdk.CreateTracerProviderBuilder()
            .AddSource("SharpServing.Engine")
            .AddInMemoryExporter(spans)
            .Build();
        var (image, _) = await fixture.Media.RenderTextAsync(s_lines, "png");
        // A sampled caller's trace (the default sampler follows the parent's decision).
        var traceId = System.Diagnostics.ActivityTraceId.CreateRandom();
        using (var caller = new System.Diagnostics.Activity("caller")
            .SetParentId(traceId, System.Diagnostics.ActivitySpanId.CreateRandom(), System.Diagnostics.ActivityTraceFlags.Recorded).Start())
        {
            Assert.Equal(s_lines, (await fixture.RunAsync("recognize", image))["text"].GetString().Split('\n'));
        }
        tracer.ForceFlush(10_000);

        System.Diagnostics.Activity[] ours;
        lock (spans)
        {
            ours = [.. spans.Where(s => s.TraceId == traceId)];
        }
        foreach (var span in ours.OrderBy(s => s.StartTimeUtc))
        {
            output.WriteLine($"{span.OperationName} {span.SpanId} parent {span.ParentSpanId} {string.Join(' ', span.TagObjects.Select(t => $"{t.Key}={t.Value}"))}");
        }
        var predict = Assert.Single(ours, s => s.OperationName == "predict");
        Assert.Equal("recognize", predict.GetTagItem("sharpserving.method"));
        // DetPreprocess (C#), det (model), Recognize (C#, which calls cls and rec itself).
        var stages = ours.Where(s => s.ParentSpanId == predict.SpanId).OrderBy(s => (int)s.GetTagItem("sharpserving.stage")!).ToArray();
        Assert.Equal(["stage", "model stage", "stage"], stages.Select(s => s.OperationName));
        var detRun = Assert.Single(ours, s => s.OperationName == "model run" && s.ParentSpanId == stages[1].SpanId);
        Assert.Contains("det", (string)detRun.GetTagItem("sharpserving.model")!, StringComparison.Ordinal);
        Assert.Equal(1, detRun.GetTagItem("sharpserving.batch_size"));
        Assert.All(ours.Where(s => s.OperationName == "queue wait"), s => Assert.Equal(stages[1].SpanId, s.ParentSpanId));
        var recognizeRuns = ours.Where(s => s.OperationName == "model run" && s.ParentSpanId == stages[2].SpanId)
            .Select(s => (string)s.GetTagItem("sharpserving.model")!).ToArray();
        Assert.Contains(recognizeRuns, m => m.Contains("rec", StringComparison.Ordinal));
        Assert.All(ours.Where(s => s.OperationName == "model run"), s => Assert.True((int)s.GetTagItem("sharpserving.batch_size")! >= 1));
    }

    [Fact]
    public async Task Det_s_runs_are_made_by_its_run_thread_and_give_the_same_boxes_each_time()
    {
        var (image, _) = await fixture.Media.RenderTextAsync(s_lines, "png");

        // det takes tens of milliseconds a run: from its second run on, the engine makes its runs on its own thread.
        var first = (await fixture.RunAsync("detect", image))["boxes"].ToArray<int>();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(first, (await fixture.RunAsync("detect", image))["boxes"].ToArray<int>());
        }

        Assert.Equal(16, first.Length);
        Assert.Contains("run det.onnx", ThreadNames.OfThisProcess());
    }

    private static string Squeeze(string text) => string.Concat(text.Where(c => !char.IsWhiteSpace(c))).ToUpperInvariant();

    public sealed class Fixture : IAsyncLifetime
    {
        public TestMedia Media { get; } = new();

        public ExampleServables Servables { get; private set; } = null!;

        public Task<IReadOnlyDictionary<string, Tensor>> RunAsync(string method, byte[] image)
            => Servables.RunAsync("ocr", method, new Dictionary<string, Tensor> { ["image"] = Tensor.FromBytes(image) });

        public async Task InitializeAsync()
        {
            foreach (var file in new[] { "det.onnx", "cls.onnx", "rec.onnx", "keys.txt" })
            {
                TestPaths.ServableFile("ocr", $"1/{file}");
            }
            Servables = await ExampleServables.StartAsync(("ocr", 0));
        }

        public async Task DisposeAsync()
        {
            await Servables.DisposeAsync();
            Media.Dispose();
        }
    }
}
