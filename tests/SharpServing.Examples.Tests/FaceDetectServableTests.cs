using System.Diagnostics;
using Xunit.Abstractions;

namespace SharpServing.Examples.Tests;

public sealed class FaceDetectServableTests(FaceDetectServableTests.Fixture fixture, ITestOutputHelper output)
    : IClassFixture<FaceDetectServableTests.Fixture>
{
    [Fact]
    public void Detect_finds_the_one_face_of_the_portrait()
    {
        // grace_hopper.jpg: 512×600; the face (forehead under the cap to chin, ear to ear) spans about x 165–370, y 140–345.
        var outputs = fixture.Servable.Run("detect", Tensor.FromBytes(File.ReadAllBytes(TestMedia.GraceHopper)));

        var boxes = outputs["boxes"];
        var scores = outputs["scores"];
        output.WriteLine($"boxes {boxes}, scores {scores}");
        Assert.Equal([1L, 4L], boxes.Shape.ToArray());
        Assert.Equal([1L], scores.Shape.ToArray());
        Assert.InRange(scores.ToArray<float>()[0], 0.8f, 1f);
        var box = boxes.ToArray<float>();
        Assert.InRange(box[0], 135f, 195f);
        Assert.InRange(box[1], 110f, 170f);
        Assert.InRange(box[2], 340f, 400f);
        Assert.InRange(box[3], 315f, 375f);
    }

    [Fact]
    public async Task Images_without_a_face_give_no_detections()
    {
        var gray = await fixture.Media.FlatImageAsync(300, 200, "#808080");

        foreach (var image in new[] { File.ReadAllBytes(TestMedia.MatplotlibLogo), gray })
        {
            var outputs = fixture.Servable.Run("detect", Tensor.FromBytes(image));

            Assert.Equal([0L, 4L], outputs["boxes"].Shape.ToArray());
            Assert.Equal([0L], outputs["scores"].Shape.ToArray());
        }
    }

    [Fact]
    public void Detect_latency_is_measured()
    {
        var input = Tensor.FromBytes(File.ReadAllBytes(TestMedia.GraceHopper));
        fixture.Servable.Run("detect", input);

        var clock = Stopwatch.StartNew();
        const int Runs = 10;
        for (var i = 0; i < Runs; i++)
        {
            Assert.Equal(1, fixture.Servable.Run("detect", input)["scores"].ElementCount);
        }

        output.WriteLine($"face_detect detect, 512x600 JPEG: {clock.Elapsed.TotalMilliseconds / Runs:F1} ms per request");
    }

    public sealed class Fixture : IDisposable
    {
        public Fixture()
        {
            TestPaths.ServableFile("face_detect", "1/blazeface.onnx");
            TestPaths.ServableFile("face_detect", "plugin/FaceDetect.dll");
            Servable = ServableHarness.Load("face_detect");
        }

        public TestMedia Media { get; } = new();

        internal ServableHarness Servable { get; }

        public void Dispose()
        {
            Servable.Dispose();
            Media.Dispose();
        }
    }
}
