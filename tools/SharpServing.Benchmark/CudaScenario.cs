using SharpServing.Engine;
using SharpServing.OnnxRuntime;

namespace SharpServing.Benchmark;

/// <summary>
/// The same models in process on CPU and on CUDA: <c>add</c> (float32 [2, 2], all overhead) and the OCR detector on a
/// 640×640 image (all compute). Without a usable GPU (the CPU-only build, no GPU, no CUDA libraries) it says why and
/// measures CPU only.
/// </summary>
internal static class CudaScenario
{
    public static async Task RunAsync(BenchContext context)
    {
        var deviceId = context.Line.Int("device-id", 0);
        var det = Path.Combine(context.RepoRoot, "servables", "ocr", "1", "det.onnx");
        if (!File.Exists(det))
        {
            throw new InvalidOperationException($"{det} is missing: run ./bench.sh (it installs the example models) or scripts/setup.sh.");
        }
        var image = Enumerable.Range(0, 3 * 640 * 640).Select(i => (i % 251) / 251f - 0.5f).ToArray();
        var models = new (string Name, Func<ModelSessionOptions, IModelSession> Open, Tensor[] Inputs)[]
        {
            ("add", o => OrtSession.FromBytes(ModelFixtures.ModelFixtures.TensorAdd(), o), [Tensor.Create([1f, 2, 3, 4], 2, 2), Tensor.Create([1f, 2, 3, 4], 2, 2)]),
            ("ocr det 640x640", o => OrtSession.FromFile(det, o), [Tensor.Create(image, 1, 3, 640, 640)]),
        };
        var gpu = OrtModelRuntime.Instance.DeviceUnavailableReason(DeviceType.Gpu);
        foreach (var (name, open, inputs) in models)
        {
            using (var cpu = new OrtLoadClient([(open(context.SessionOptions), inputs)]))
            {
                await context.RunAsync("cuda", $"ort in-process cpu {name}", cpu, 1, 1, Environment.ProcessId, null);
            }
            if (gpu is not null)
            {
                continue;
            }
            var options = context.SessionOptions;
            options.Device = DeviceType.Gpu;
            options.DeviceId = deviceId;
            IModelSession session;
            try
            {
                session = open(options);
            }
            catch (ModelDeviceException e)
            {
                gpu = e.Message;
                continue;
            }
            using var cuda = new OrtLoadClient([(session, inputs)]);
            await context.RunAsync("cuda", $"ort in-process cuda:{deviceId} {name}", cuda, 1, 1, Environment.ProcessId, null);
        }
        if (gpu is not null)
        {
            await Console.Error.WriteLineAsync($"bench: CUDA is unavailable, measured CPU only: {gpu}");
        }
    }
}
