namespace SharpServing.OnnxRuntime.Tests;

public sealed class SessionOptionsTests
{
    [Fact]
    public void Defaults_are_cpu_all_optimizations_and_ort_chosen_threads()
    {
        var options = new OrtSessionOptions();

        Assert.Equal(0, options.IntraOpThreads);
        Assert.Equal(0, options.InterOpThreads);
        Assert.Equal(GraphOptimizationLevel.All, options.OptimizationLevel);
        Assert.Equal(ExecutionProvider.Cpu, options.Provider);
        Assert.Equal(0, options.DeviceId);
        Assert.Null(options.AllowSpinning);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Spinning_on_or_off_opens_and_runs_a_model_on_two_threads(bool spinning)
    {
        var options = new OrtSessionOptions { IntraOpThreads = 2, AllowSpinning = spinning };
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

    [Theory]
    [InlineData(-1)]
    [InlineData(1025)]
    public void Thread_counts_outside_0_to_1024_are_refused(int threads)
    {
        var options = new OrtSessionOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.IntraOpThreads = threads);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.InterOpThreads = threads);
    }

    [Fact]
    public void Undefined_enums_and_negative_device_ids_are_refused()
    {
        var options = new OrtSessionOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.OptimizationLevel = (GraphOptimizationLevel)3);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.Provider = (ExecutionProvider)7);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.DeviceId = -1);
    }

    [Theory]
    [InlineData(GraphOptimizationLevel.None)]
    [InlineData(GraphOptimizationLevel.Basic)]
    [InlineData(GraphOptimizationLevel.Extended)]
    [InlineData(GraphOptimizationLevel.All)]
    public void Every_optimization_level_opens_and_runs_a_model(GraphOptimizationLevel level)
    {
        var options = new OrtSessionOptions { OptimizationLevel = level, IntraOpThreads = 1, InterOpThreads = 1 };
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd(), options);

        var y = session.Run([Tensor.Create([1f, 2, 3, 4], 2, 2), Tensor.Create([10f, 20, 30, 40], 2, 2)])[0];

        Assert.Equal([11f, 22, 33, 44], y.ToArray<float>());
        Assert.Equal(level, session.Options.OptimizationLevel);
    }

    [Fact]
    public void A_session_keeps_the_options_it_was_opened_with()
    {
        var options = new OrtSessionOptions { IntraOpThreads = 1 };
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd(), options);

        options.IntraOpThreads = 2;

        Assert.Equal(1, session.Options.IntraOpThreads);
    }

    [Fact]
    public void Cuda_without_the_cuda_provider_library_fails_with_a_message_that_says_so()
    {
        var options = new OrtSessionOptions { Provider = ExecutionProvider.Cuda, DeviceId = 0 };

        var e = Assert.Throws<OrtException>(() => OrtSession.FromBytes(Fixtures.TensorAdd(), options));

        Assert.Contains("CUDA provider for ONNX Runtime 1.30 is not installed", e.Message, StringComparison.Ordinal);
        Assert.NotEqual(OrtErrorCode.Ok, e.Code);
    }
}
