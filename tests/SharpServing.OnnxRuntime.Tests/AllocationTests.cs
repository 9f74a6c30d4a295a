using Xunit.Abstractions;

namespace SharpServing.OnnxRuntime.Tests;

/// <summary>
/// What a run costs the managed heap: numeric inputs go to ORT without a copy (pinned in place) and each output is
/// copied out once, so a run allocates its output bytes plus a small, size-independent overhead.
/// </summary>
public sealed class AllocationTests(ITestOutputHelper output)
{
    /// <summary>The adapter's per-run bookkeeping (value wrappers, run options, name lookups, result list): a bound, not a measurement.</summary>
    private const long OverheadBytes = 16 * 1024;

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public void A_run_allocates_its_output_once_and_never_copies_its_inputs(int batch)
    {
        // 4 MiB of input per row pair against 1 KiB of output per row: an input copy would show at once.
        using var session = OrtSession.FromBytes(Fixtures.Dense(4096, 256), new ModelSessionOptions { IntraOpThreads = 1 });
        var x = Tensor.Zeros<float>(batch, 4096);
        var outputs = new Tensor[1];
        for (var i = 0; i < 5; i++)
        {
            session.Run([x], outputs, CancellationToken.None);
        }

        const int runs = 20;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < runs; i++)
        {
            session.Run([x], outputs, CancellationToken.None);
        }
        var perRun = (GC.GetAllocatedBytesForCurrentThread() - before) / runs;

        var outputBytes = batch * 256L * sizeof(float);
        output.WriteLine($"batch {batch}: {perRun} bytes allocated per run, of which {outputBytes} are the output ({perRun - outputBytes} overhead); input {x.ByteSize} bytes.");
        Assert.InRange(perRun, outputBytes, outputBytes + OverheadBytes);
    }

    [Fact]
    public void A_run_of_a_small_fixed_shape_model_allocates_only_its_output_tensor()
    {
        // Run options, input and output values are reused from run to run: what is left is the output tensor itself
        // (the tensor, its 16 bytes and its shape), well under the general bound above.
        using var session = OrtSession.FromBytes(Fixtures.TensorAdd(), new ModelSessionOptions { IntraOpThreads = 1 });
        Tensor[] inputs = [Tensor.Zeros<float>(2, 2), Tensor.Zeros<float>(2, 2)];
        var outputs = new Tensor[1];
        for (var i = 0; i < 5; i++)
        {
            session.Run(inputs, outputs, CancellationToken.None);
        }

        const int runs = 50;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < runs; i++)
        {
            session.Run(inputs, outputs, CancellationToken.None);
        }
        var perRun = (GC.GetAllocatedBytesForCurrentThread() - before) / runs;

        output.WriteLine($"tensor_add: {perRun} bytes allocated per run.");
        Assert.InRange(perRun, 16, 512);
    }
}
