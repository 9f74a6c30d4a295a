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
    /// </summary>
    public static Tensor[][] Run(ModelLayout layout, IModelSession session, IReadOnlyList<Tensor[]> instances, IReadOnlyList<long[][]> shapes,
        CancellationToken cancellationToken, out RunTiming timing)
    {
        var started = Stopwatch.GetTimestamp();
        var count = instances.Count;
        var rows = layout.FixedBatch ? layout.BatchSize : count;
        var inputs = new Tensor[layout.Inputs.Count];
        byte[]?[]? rented = null;
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
            session.Run(inputs, outputs, cancellationToken);
            var ran = Stopwatch.GetTimestamp();
            var results = Split(layout, outputs, count, rows);
            timing = new RunTiming(started, packed, ran, Stopwatch.GetTimestamp());
            return results;
        }
        finally
        {
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

    private static Tensor[][] Split(ModelLayout layout, Tensor[] outputs, int count, int rows)
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
            if (!layout.OutputBatched[k])
            {
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
}
