using System.Diagnostics;
using Xunit.Abstractions;

namespace SharpServing.Examples.Tests;

[CollectionDefinition(nameof(LatencyTests), DisableParallelization = true)]
public sealed class LatencyTestsAlone;

/// <summary>End-to-end latency of one request through the dispatcher, reported (not asserted): measured alone, after the
/// other test classes, so that they do not share the cores.</summary>
[Collection(nameof(LatencyTests))]
public sealed class LatencyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Ocr_recognize_and_face_detect_latency_is_reported()
    {
        TestPaths.ServableFile("ocr", "1/rec.onnx");
        TestPaths.ServableFile("face_detect", "plugin/FaceDetect.dll");
        using var media = new TestMedia();
        var (text, _) = await media.RenderTextAsync(["Hello SharpServing", "The quick brown fox 42"], "png");
        var portrait = File.ReadAllBytes(TestMedia.GraceHopper);
        await using var servables = await ExampleServables.StartAsync(("ocr", 0), ("face_detect", 0));

        var ocr = await MeasureAsync(servables, "ocr", "recognize", text, 10, outputs => Assert.NotEmpty(outputs["text"].GetString()));
        var face = await MeasureAsync(servables, "face_detect", "detect", portrait, 30, outputs => Assert.Equal(1, outputs["scores"].ElementCount));

        output.WriteLine($"ocr recognize, 640x168 PNG with 2 lines: median {ocr:F1} ms per request");
        output.WriteLine($"face_detect detect, 512x600 JPEG: median {face:F1} ms per request");
    }

    private static async Task<double> MeasureAsync(ExampleServables servables, string servable, string method, byte[] image, int runs,
        Action<IReadOnlyDictionary<string, Tensor>> check)
    {
        var inputs = new Dictionary<string, Tensor> { ["image"] = Tensor.FromBytes(image) };
        check(await servables.RunAsync(servable, method, inputs));
        var times = new double[runs];
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            check(await servables.RunAsync(servable, method, inputs));
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }
}
