using Xunit.Abstractions;

namespace SharpServing.OnnxRuntime.Tests;

/// <summary>Real models on ONNX Runtime's CUDA provider give what they give on CPU. Skipped without a GPU (see <see cref="CudaFactAttribute"/>).</summary>
public sealed class CudaTests(ITestOutputHelper output)
{
    private static readonly ModelSessionOptions s_gpu = new() { Device = DeviceType.Gpu, DeviceId = 0 };

    [CudaFact]
    public void Add_runs_on_the_gpu()
    {
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd(), s_gpu);

        var y = Assert.Single(session.Run([Tensor.Create([1f, 2, 3, 4], 2, 2), Tensor.Create([10f, 20, 30, 40], 2, 2)]));

        Assert.Equal(DeviceType.Gpu, session.Options.Device);
        Assert.Equal([11f, 22, 33, 44], y.ToArray<float>());
    }

    [CudaFact]
    public void Ocr_detector_on_the_gpu_matches_the_cpu()
    {
        var path = TestPaths.Model("ocr/det.onnx");
        var image = Tensor.Create(Enumerable.Range(0, 3 * 320 * 480).Select(i => (i % 251) / 251f - 0.5f).ToArray(), 1, 3, 320, 480);
        using var cpu = OrtSession.FromFile(path, new ModelSessionOptions { IntraOpThreads = 2 });
        using var gpu = OrtSession.FromFile(path, s_gpu);

        var expected = Assert.Single(cpu.Run([image])).ToArray<float>();
        var actual = Assert.Single(gpu.Run([image]));

        Assert.Equal([1L, 1, 320, 480], actual.Dims);
        var worst = expected.Zip(actual.ToArray<float>(), (e, a) => Math.Abs(e - a)).Max();
        output.WriteLine($"largest difference between CPU and CUDA probabilities: {worst}");
        Assert.True(worst < 1e-3f, $"CUDA differs from CPU by up to {worst}.");
    }
}
