using System.Buffers;
using System.Diagnostics;

namespace SharpServing.Engine.Execution;

/// <summary>
/// Checks instances against a model, stacks them into one run (padding a fixed batch with copies of the first instance),
/// runs the session and slices the outputs back per instance.
/// </summary>
internal static class BatchPacker
{
    /// <summary>
    /// Checks one instance's values against the model's inputs: byte size, then data type, per input in order (never the
    /// shape of a fixed-shape input). Returns null when it fits, else the error text; <paramref name="shapes"/> gets the
    /// per-instance shape each input runs with.
    /// </summary>
    public static string? Check(ModelLayout layout, IReadOnlyList<Tensor> inputs, out long[][] shapes)
    {
        var fixedShapes = layout.FixedShapes;
        shapes = fixedShapes ?? new long[layout.Inputs.Count][];
        if (inputs.Count != layout.Inputs.Count)
        {
            return $"The inputs count {inputs.Count} of instance 0 is not equal to the inputs count {layout.Inputs.Count} of the model";
        }
        for (var j = 0; j < inputs.Count; j++)
        {
            var slot = layout.Inputs[j];
            var given = inputs[j];
            if (slot.SlotBytes >= 0 && (!given.DataType.IsNumeric() || given.ByteSize != slot.SlotBytes))
            {
                return ExecutionErrors.ModelInputSize(j, given.ByteSize, slot.SlotBytes);
            }
            if (given.DataType != slot.DataType)
            {
                return ExecutionErrors.ModelInputType(j, given.DataType, slot.DataType);
            }
            if (fixedShapes is not null)
            {
                continue;
            }
            if (slot.SlotBytes >= 0)
            {
                shapes[j] = slot.ItemShape;
            }
            else if (ResolveShape(slot, given) is { } shape)
            {
                shapes[j] = shape;
            }
            else
            {
                return $"Given model input {j} shape {ErrorQuote.Shape(given.Shape)} not match the shape {Tensor.FormatShape(slot.ItemShape)} defined in model";
            }
        }
        return null;
    }

    /// <summary>Whether two checked instances may share a run: batched inputs with dynamic dims must agree in shape.</summary>
    public static bool Compatible(ModelLayout layout, long[][] first, long[][] other)
    {
        for (var j = 0; j < layout.Inputs.Count; j++)
        {
            var slot = layout.Inputs[j];
            if (slot.Batched && slot.SlotBytes < 0 && !first[j].AsSpan().SequenceEqual(other[j]))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Runs checked, mutually compatible instances (at most the batch size) as one batch; returns one output array per
    /// instance, in order, and in <paramref name="timing"/> when each phase ended (set only when the run succeeds).
    /// <paramref name="owners"/> names the request each instance serves, for a run the batch loop makes (null: the
    /// calling thread's request memory, if any, applies). A run for one request makes its large outputs in that request's
    /// memory. A run shared by several makes them in pooled memory of its own when each instance's rows are large enough
    /// to pool: each instance gets a copy of its rows in its own request's memory, and the run's memory goes back to the
    /// pool before the run returns, so large batched outputs never land on the large object heap.
    /// </summary>
    public static Tensor[][] Run(ModelLayout layout, IModelSession session, IReadOnlyList<Tensor[]> instances, IReadOnlyList<long[][]> shapes,
        CancellationToken cancellationToken, out RunTiming timing, IReadOnlyList<IRequestMemorySource>? owners = null)
    {
        var started = Stopwatch.GetTimestamp();
        var count = instances.Count;
        var rows = layout.FixedBatch ? layout.BatchSize : count;
        var inputs = new Tensor[layout.Inputs.Count];
        byte[]?[]? rented = null;
        SharedRunMemory? shared = null;
        try
        {
            for (var j = 0; j < inputs.Length; j++)
            {
                inputs[j] = Pack(layout.Inputs[j], instances, shapes[0][j], j, rows, out var buffer);
                if (buffer is not null)
                {
                    (rented ??= new byte[]?[inputs.Length])[j] = buffer;
                }
            }
            var outputs = new Tensor[layout.OutputBatched.Count];
            var packed = Stopwatch.GetTimestamp();
            if (owners is null)
            {
                session.Run(inputs, outputs, cancellationToken);
            }
            else
            {
                var single = SingleOwner(owners);
                if (single is null)
                {
                    shared = new SharedRunMemory(new RequestMemory(checked(rows * RequestMemory.MinPooledBytes)));
                }
                using var memory = RequestMemory.Enter(single ?? shared);
                session.Run(inputs, outputs, cancellationToken);
            }
            var ran = Stopwatch.GetTimestamp();
            var results = Split(layout, outputs, count, rows, shared?.Memory, owners);
            timing = new RunTiming(started, packed, ran, Stopwatch.GetTimestamp());
            return results;
        }
        finally
        {
            // Nothing refers to the shared run's memory any more: each instance's rows were copied out of it.
            shared?.Memory.Release();
            foreach (var buffer in rented ?? [])
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    private static Tensor Pack(ModelLayout.InputSlot slot, IReadOnlyList<Tensor[]> instances, long[] itemShape, int input, int rows, out byte[]? rented)
    {
        rented = null;
        var first = instances[0][input];
        if (!slot.Batched)
        {
            return View(first, itemShape);
        }
        if (rows == 1)
        {
            var given = first.Shape;
            return given.Length == itemShape.Length + 1 && given[0] == 1 && given[1..].SequenceEqual(itemShape)
                ? first
                : View(first, [1, .. itemShape]);
        }
        long[] shape = [rows, .. itemShape];
        if (first.DataType.IsItems())
        {
            var items = new List<ReadOnlyMemory<byte>>(rows * first.Items.Count);
            for (var r = 0; r < rows; r++)
            {
                items.AddRange((r < instances.Count ? instances[r][input] : first).Items);
            }
            return Tensor.FromItems(first.DataType, shape, items);
        }
        // One buffer per input; the rows are copied straight in, padding rows are copies of the first instance.
        var bytes = checked((int)first.ByteSize);
        var total = checked(bytes * rows);
        rented = ArrayPool<byte>.Shared.Rent(Math.Max(total, 1));
        var destination = rented.AsSpan(0, total);
        for (var r = 0; r < rows; r++)
        {
            var source = r < instances.Count ? instances[r][input] : first;
            source.Data.Span.CopyTo(destination.Slice(r * bytes, bytes));
        }
        return Tensor.FromMemory(first.DataType, shape, rented.AsMemory(0, total));
    }

    private static Tensor View(Tensor tensor, long[] shape)
        => tensor.Shape.SequenceEqual(shape) ? tensor
            : tensor.DataType.IsItems() ? Tensor.FromItems(tensor.DataType, shape, tensor.Items) : Tensor.FromMemory(tensor.DataType, shape, tensor.Data);

    /// <summary>The one request every instance serves, or null when they serve several.</summary>
    private static IRequestMemorySource? SingleOwner(IReadOnlyList<IRequestMemorySource> owners)
    {
        var first = owners[0];
        for (var i = 1; i < owners.Count; i++)
        {
            if (!ReferenceEquals(owners[i], first))
            {
                return null;
            }
        }
        return first;
    }

    private static Tensor[][] Split(ModelLayout layout, Tensor[] outputs, int count, int rows, RequestMemory? shared = null,
        IReadOnlyList<IRequestMemorySource>? owners = null)
    {
        var missing = Array.IndexOf(outputs, null);
        if (missing >= 0)
        {
            throw new InvalidOperationException($"Model({layout.Key}) run left output {missing} unset.");
        }
        var results = new Tensor[count][];
        if (!layout.AnyOutputBatched)
        {
            // Every instance gets the whole outputs: one shared array (results are never changed).
            Array.Fill(results, outputs);
            return results;
        }
        for (var i = 0; i < count; i++)
        {
            results[i] = new Tensor[outputs.Length];
        }
        for (var k = 0; k < outputs.Length; k++)
        {
            var output = outputs[k];
            var pooled = shared is not null && shared.Owns(output);
            if (!layout.OutputBatched[k])
            {
                if (pooled)
                {
                    // Shared whole by every instance: an ordinary copy outlives the run's memory.
                    output = Tensor.FromMemory(output.DataType, output.Shape, output.Data.ToArray());
                }
                for (var i = 0; i < count; i++)
                {
                    results[i][k] = output;
                }
                continue;
            }
            if (output.Rank == 0 || output.Shape[0] != rows)
            {
                throw new InvalidOperationException(
                    $"Model({layout.Key}) output {k} has shape {Tensor.FormatShape(output.Shape)}; its first dimension should be the batch size {rows}.");
            }
            var inner = output.Shape[1..];
            if (output.DataType.IsItems())
            {
                var per = output.Items.Count / rows;
                for (var i = 0; i < count; i++)
                {
                    results[i][k] = Tensor.FromItems(output.DataType, inner, output.Items.Skip(i * per).Take(per).ToArray());
                }
            }
            else if (pooled)
            {
                // Each instance's rows, copied into its own request's memory (pooled, as the rows are large).
                var slot = output.Data.Length / rows;
                var shape = inner.ToArray();
                for (var i = 0; i < count; i++)
                {
                    using var memory = RequestMemory.Enter(owners![i]);
                    var copy = RequestMemory.Allocate(output.DataType, shape);
                    output.Data.Span.Slice(i * slot, slot).CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsMemory(copy.Data).Span);
                    results[i][k] = copy;
                }
            }
            else
            {
                // Slices of the output's own memory: no copy per instance.
                var slot = output.Data.Length / rows;
                for (var i = 0; i < count; i++)
                {
                    results[i][k] = Tensor.FromMemory(output.DataType, inner, output.Data.Slice(i * slot, slot));
                }
            }
        }
        return results;
    }

    private static long[]? ResolveShape(ModelLayout.InputSlot slot, Tensor given)
    {
        var shape = given.Shape;
        var expected = slot.ItemShape;
        if (slot.Batched && shape.Length == expected.Length + 1 && shape[0] == 1)
        {
            shape = shape[1..];
        }
        if (shape.Length != expected.Length)
        {
            return null;
        }
        for (var d = 0; d < shape.Length; d++)
        {
            if (expected[d] >= 0 && expected[d] != shape[d])
            {
                return null;
            }
        }
        return shape.ToArray();
    }

    /// <summary>The memory of a run shared by several requests, while the model runs.</summary>
    private sealed class SharedRunMemory(RequestMemory memory) : IRequestMemorySource
    {
        public RequestMemory Memory { get; } = memory;
    }
}
