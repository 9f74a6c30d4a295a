namespace SharpServing.Engine.Tests.Execution;

/// <summary>
/// Models computed in managed code: real <see cref="IModelSession"/>s for tests of batching and execution that need a
/// model to compute something checkable, not ONNX Runtime. They check their inputs as a runtime does (count, type,
/// shape against the signature, a dynamic dimension as -1) and fail with a <see cref="ModelRuntimeException"/>.
/// </summary>
internal static class ManagedModels
{
    /// <summary><c>y = x1 + x2</c>, float32 of <paramref name="shape"/> (-1: a dynamic dimension).</summary>
    public static IModelSession Add(params long[] shape) => new AddSession(shape);

    /// <summary><c>y = x1 + x2</c>, float32 of shape <c>[-1, ..innerDims]</c>: a dynamic batch dimension.</summary>
    public static IModelSession AddDynamicBatch(params long[] innerDims) => new AddSession([-1, .. innerDims]);

    private sealed class AddSession(long[] shape) : IModelSession
    {
        private int _disposed;

        public IReadOnlyList<ModelValueInfo> Inputs { get; } = [Value("x1", shape), Value("x2", shape)];

        public IReadOnlyList<ModelValueInfo> Outputs { get; } = [Value("y", shape)];

        public void Run(IReadOnlyList<Tensor> inputs, Tensor[] outputs, CancellationToken cancellationToken)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            cancellationToken.ThrowIfCancellationRequested();
            if (inputs.Count != 2 || outputs.Length != 1)
            {
                throw new ArgumentException($"The model takes 2 inputs and gives 1 output, given {inputs.Count} and room for {outputs.Length}.");
            }
            for (var i = 0; i < 2; i++)
            {
                Check(Inputs[i], inputs[i]);
            }
            if (!inputs[0].Shape.SequenceEqual(inputs[1].Shape))
            {
                throw new ModelRuntimeException(
                    $"Add: x1 {Tensor.FormatShape(inputs[0].Shape)} and x2 {Tensor.FormatShape(inputs[1].Shape)} differ in shape.");
            }
            var a = inputs[0].AsSpan<float>();
            var b = inputs[1].AsSpan<float>();
            var y = new float[a.Length];
            for (var i = 0; i < y.Length; i++)
            {
                y[i] = a[i] + b[i];
            }
            outputs[0] = Tensor.Create<float>(y, inputs[0].Shape);
        }

        public void Dispose() => Interlocked.Exchange(ref _disposed, 1);

        private static void Check(ModelValueInfo expected, Tensor given)
        {
            if (given.DataType != DataType.Float32)
            {
                throw new ModelRuntimeException($"Unexpected input data type for {expected.Name}: {given.DataType}, expected Float32.");
            }
            var dims = given.Shape;
            var ok = dims.Length == expected.Shape.Count;
            for (var d = 0; ok && d < dims.Length; d++)
            {
                ok = expected.Shape[d] < 0 || expected.Shape[d] == dims[d];
            }
            if (!ok)
            {
                throw new ModelRuntimeException(
                    $"Got invalid dimensions for input {expected.Name}: {Tensor.FormatShape(dims)}, expected {Tensor.FormatShape([.. expected.Shape])}.");
            }
        }

        private static ModelValueInfo Value(string name, long[] dims)
            => new(name, DataType.Float32, "Float", dims, [.. dims.Select(d => d < 0 ? "batch" : null)]);
    }
}
