namespace SharpServing.Engine.Execution;

/// <summary>
/// The memory of one run of the batch loop, which serves several requests at once: the run's large outputs (at least
/// <see cref="RequestMemory.MinPooledBytes"/>) come from the shared pool instead of the large object heap, each
/// instance gets its own copy of its rows, and the outputs go back to the pool before the instances are answered.
/// </summary>
/// <remarks>
/// A batched output of 32 rows of 4 KB is 128 KB: a new array per run lands on the large object heap, which only a
/// full collection frees (one every few dozen runs under load). An instance's rows are small, and a young array is
/// cheap. Rows of an instance that are themselves large stay slices of the run's output, which is then left to the
/// garbage collector rather than returned (a slice may outlive the run).
/// </remarks>
internal sealed class BatchMemory : IRequestMemorySource
{
    private RequestMemory? _memory;

    public RequestMemory Memory => _memory ??= new RequestMemory();

    /// <summary>
    /// Replaces each instance's slices of pooled outputs with copies of their own, then returns the pooled outputs;
    /// keeps them (unreturned) when an instance's slice is large.
    /// </summary>
    public void CopyOut(Tensor[][] outputs)
    {
        if (_memory is not { } memory || outputs.Length == 0)
        {
            return;
        }
        var release = true;
        // An output without a batch dimension is one tensor shared by every instance: copied once, for the first.
        var originals = new Tensor[outputs[0].Length];
        var copies = new Tensor[outputs[0].Length];
        foreach (var instance in outputs)
        {
            for (var k = 0; k < instance.Length; k++)
            {
                var tensor = instance[k];
                if (ReferenceEquals(tensor, originals[k]) || ReferenceEquals(tensor, copies[k]))
                {
                    instance[k] = copies[k];
                }
                else if (!memory.Owns(tensor))
                {
                    continue;
                }
                else if (tensor.Data.Length < RequestMemory.MinPooledBytes)
                {
                    originals[k] = tensor;
                    instance[k] = copies[k] = Tensor.FromMemory(tensor.DataType, tensor.Shape, tensor.Data.ToArray());
                }
                else
                {
                    release = false;
                }
            }
        }
        if (release)
        {
            memory.Release();
        }
    }
}
