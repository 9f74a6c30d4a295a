using Xunit.Abstractions;

namespace SharpServing.Examples.Tests;

public sealed class FaceDetectServableTests(FaceDetectServableTests.Fixture fixture, ITestOutputHelper output)
    : IClassFixture<FaceDetectServableTests.Fixture>
{
    [Fact]
    public async Task Detect_finds_the_one_face_of_the_portrait()
    {
        // grace_hopper.jpg: 512×600; the face (forehead under the cap to chin, ear to ear) spans about x 165–370, y 140–345.
        var outputs = await fixture.DetectAsync(File.ReadAllBytes(TestMedia.GraceHopper));

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
            var outputs = await fixture.DetectAsync(image);

            Assert.Equal([0L, 4L], outputs["boxes"].Shape.ToArray());
            Assert.Equal([0L], outputs["scores"].Shape.ToArray());
        }
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public TestMedia Media { get; } = new();

        public ExampleServables Servables { get; private set; } = null!;

        public Task<IReadOnlyDictionary<string, Tensor>> DetectAsync(byte[] image)
            => Servables.RunAsync("face_detect", "detect", new Dictionary<string, Tensor> { ["image"] = Tensor.FromBytes(image) });

        public async Task InitializeAsync()
        {
            TestPaths.ServableFile("face_detect", "1/blazeface.onnx");
            TestPaths.ServableFile("face_detect", "plugin/FaceDetect.dll");
            Servables = await ExampleServables.StartAsync(("face_detect", 0));
        }

        public async Task DisposeAsync()
        {
            await Servables.DisposeAsync();
            Media.Dispose();
        }
    }
}
