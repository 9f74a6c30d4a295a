namespace SharpServing.OnnxRuntime.Tests;

public sealed class SessionOptionsTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Defaults_are_cpu_all_optimizations_and_ort_chosen_threads()
    {
        var options = new ModelSessionOptions();

        Assert.Equal(0, options.IntraOpThreads);
        Assert.Equal(0, options.InterOpThreads);
        Assert.Equal(ModelOptimizationLevel.All, options.OptimizationLevel);
        Assert.Equal(DeviceType.Cpu, options.Device);
        Assert.Equal(0, options.DeviceId);
        Assert.Null(options.AllowSpinning);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Spinning_on_or_off_opens_and_runs_a_model_on_two_threads(bool spinning)
    {
        var options = new ModelSessionOptions { IntraOpThreads = 2, AllowSpinning = spinning };
        using var session = OrtSession.FromBytes(Fixtures.AddDynamicBatch(4096), options);
        var x = Enumerable.Range(0, 4096 * 8).Select(i => (float)i).ToArray();

        for (var run = 0; run < 3; run++)
        {
            var y = session.Run([Tensor.Create(x, 8, 4096), Tensor.Create(x, 8, 4096)])[0];
            Assert.Equal(x.Select(v => v * 2), y.ToArray<float>());
        }
        Assert.Equal(spinning, session.Options.AllowSpinning);
        Assert.Contains($"AllowSpinning={spinning}", session.Options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_thread_count_starts_workers_that_are_not_pinned_to_a_core()
    {
        // Left to itself, ORT pins each worker of its default pool to one core; a caller on that core (any thread-pool
        // thread of a server) then shares it with the worker while the other cores idle.
        Assert.True(OperatingSystem.IsLinux(), "reads /proc");
        var processCpus = CpusAllowed("/proc/self/status");
        var before = Directory.GetDirectories("/proc/self/task").Select(Path.GetFileName).ToHashSet();

        using var session = OrtSession.FromBytes(Fixtures.AddDynamicBatch(4096), new ModelSessionOptions { AllowSpinning = false });
        var x = new float[4096 * 8];
        session.Run([Tensor.Create(x, 8, 4096), Tensor.Create(x, 8, 4096)]);

        var started = Directory.GetDirectories("/proc/self/task").Where(t => !before.Contains(Path.GetFileName(t))).ToList();
        var workers = started.Select(t => (Thread: Path.GetFileName(t), Cpus: CpusAllowed(Path.Combine(t, "status")))).Where(t => t.Cpus is not null).ToList();
        output.WriteLine($"process {processCpus}; threads started with the session: {string.Join(", ", workers.Select(w => $"{w.Thread} on {w.Cpus}"))}");
        if (Environment.ProcessorCount < 2)
        {
            return;  // one core: ORT starts no pool, nothing to pin
        }
        Assert.NotEmpty(workers);
        Assert.All(workers, w => Assert.Equal(processCpus, w.Cpus));
    }

    // The processors a process or thread may run on ("0-1"), or null once the thread has exited.
    private static string? CpusAllowed(string statusFile)
    {
        try
        {
            return File.ReadLines(statusFile).Single(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal)).Split(':')[1].Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1025)]
    public void Thread_counts_outside_0_to_1024_are_refused(int threads)
    {
        var options = new ModelSessionOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.IntraOpThreads = threads);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.InterOpThreads = threads);
    }

    [Fact]
    public void Undefined_enums_and_negative_device_ids_are_refused()
    {
        var options = new ModelSessionOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.OptimizationLevel = (ModelOptimizationLevel)3);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Device = (DeviceType)7);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Device = DeviceType.Auto);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.DeviceId = -1);
    }

    [Theory]
    [InlineData(ModelOptimizationLevel.None)]
    [InlineData(ModelOptimizationLevel.Basic)]
    [InlineData(ModelOptimizationLevel.Extended)]
    [InlineData(ModelOptimizationLevel.All)]
    public void Every_optimization_level_opens_and_runs_a_model(ModelOptimizationLevel level)
    {
        var options = new ModelSessionOptions { OptimizationLevel = level, IntraOpThreads = 1, InterOpThreads = 1 };
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd(), options);

        var y = session.Run([Tensor.Create([1f, 2, 3, 4], 2, 2), Tensor.Create([10f, 20, 30, 40], 2, 2)])[0];

        Assert.Equal([11f, 22, 33, 44], y.ToArray<float>());
        Assert.Equal(level, session.Options.OptimizationLevel);
    }

    [Fact]
    public void A_session_keeps_the_options_it_was_opened_with()
    {
        var options = new ModelSessionOptions { IntraOpThreads = 1 };
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd(), options);

        options.IntraOpThreads = 2;

        Assert.Equal(1, session.Options.IntraOpThreads);
    }

    [Fact]
    public void Gpu_without_a_usable_cuda_provider_fails_with_a_message_that_names_what_is_missing()
    {
        // This machine has no GPU; the CPU-only build lacks the provider, the GPU build lacks the GPU (and maybe CUDA).
        var options = new ModelSessionOptions { Device = DeviceType.Gpu, DeviceId = 0 };

        var e = Assert.Throws<ModelDeviceException>(() => OrtSession.FromBytes(Fixtures.TensorAdd(), options));
        output.WriteLine(e.Message);

        if (OrtEnvironment.Shared.HasCudaProvider)
        {
            Assert.Contains("the CUDA execution provider of ONNX Runtime could not start on device 0", e.Message, StringComparison.Ordinal);
            Assert.Contains("CUDA 13", e.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("the CUDA execution provider of ONNX Runtime is not in this build", e.Message, StringComparison.Ordinal);
            Assert.Contains("-p:SharpServingCuda=true", e.Message, StringComparison.Ordinal);
            Assert.Equal(e.Message, OrtModelRuntime.Instance.DeviceUnavailableReason(DeviceType.Gpu));
        }
    }
}
