namespace SharpServing.Engine.Execution;

/// <summary>
/// How instances map onto one subgraph of a model: the batch size, and per input whether it is batched, its
/// per-instance shape and byte size; per output whether it is split per instance. Computed once when a version loads.
/// </summary>
internal sealed class ModelLayout
{
    private ModelLayout(string key, int batchSize, bool fixedBatch, InputSlot[] inputs, bool[] outputBatched)
    {
        Key = key;
        BatchSize = batchSize;
        FixedBatch = fixedBatch;
        Inputs = inputs;
        OutputBatched = outputBatched;
        AnyOutputBatched = outputBatched.Any(b => b);
        if (inputs.All(i => i.SlotBytes >= 0))
        {
            FixedShapes = [.. inputs.Select(i => i.ItemShape)];
        }
    }

    /// <summary>The model key used in texts (files joined with <c>;</c>).</summary>
    public string Key { get; }

    /// <summary>The most instances in one run (the model's first dimension, <see cref="ModelOptions.MaxBatchSize"/>
    /// for a dynamic one, 1 without a batch dimension).</summary>
    public int BatchSize { get; }

    /// <summary>Whether a run always has <see cref="BatchSize"/> rows (padded with copies of the first instance).</summary>
    public bool FixedBatch { get; }

    public IReadOnlyList<InputSlot> Inputs { get; }

    /// <summary>Per output: whether its first dimension is the batch (split per instance) or it is copied whole.</summary>
    public IReadOnlyList<bool> OutputBatched { get; }

    /// <summary>Whether any output is split per instance.</summary>
    public bool AnyOutputBatched { get; }

    /// <summary>Whether every batched input's per-instance shape is fixed, so any instances may share a run.</summary>
    public bool AllShapesFixed => FixedShapes is not null;

    /// <summary>When every input has a fixed shape: the per-instance shapes, shared by all instances (never changed).</summary>
    public long[][]? FixedShapes { get; }

    /// <exception cref="InvalidOperationException">The model's batch dimensions disagree.</exception>
    public static ModelLayout Create(Model model, ModelSignature signature)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(signature);
        var noBatch = new HashSet<int>(model.WithoutBatchDimInputs);
        var batchedInputs = new bool[signature.Inputs.Count];
        var fixedDims = new List<long>();
        var anyDynamic = false;
        for (var i = 0; i < signature.Inputs.Count; i++)
        {
            var shape = signature.Inputs[i].Shape;
            batchedInputs[i] = model.WithBatchDim && !noBatch.Contains(i) && shape.Count >= 1;
            if (batchedInputs[i])
            {
                if (shape[0] >= 0)
                {
                    fixedDims.Add(shape[0]);
                }
                else
                {
                    anyDynamic = true;
                }
            }
        }
        if (fixedDims.Distinct().Count() > 1)
        {
            throw new InvalidOperationException(
                $"Model({model.Key}): the first dimensions of its batched inputs disagree ({string.Join(", ", fixedDims)}), so it has no batch size.");
        }
        int batchSize;
        bool fixedBatch;
        if (fixedDims.Count > 0)
        {
            batchSize = checked((int)Math.Max(1, fixedDims[0]));
            fixedBatch = true;
        }
        else if (anyDynamic)
        {
            batchSize = model.Options.MaxBatchSize;
            fixedBatch = false;
        }
        else
        {
            batchSize = 1;
            fixedBatch = true;
        }
        var inputs = new InputSlot[signature.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            var spec = signature.Inputs[i];
            long[] itemShape = batchedInputs[i] ? [.. spec.Shape.Skip(1)] : [.. spec.Shape];
            inputs[i] = new InputSlot(spec.DataType, batchedInputs[i], itemShape, SlotBytes(spec.DataType, itemShape));
        }
        var outputs = new bool[signature.Outputs.Count];
        for (var o = 0; o < outputs.Length; o++)
        {
            var shape = signature.Outputs[o].Shape;
            outputs[o] = model.WithBatchDim && batchedInputs.Any(b => b) && shape.Count >= 1 && (shape[0] < 0 || shape[0] == batchSize);
        }
        return new ModelLayout(model.Key, batchSize, fixedBatch, inputs, outputs);
    }

    private static long SlotBytes(DataType type, long[] shape)
    {
        if (!type.IsNumeric() || shape.Any(d => d < 0))
        {
            return -1;
        }
        long count = 1;
        foreach (var d in shape)
        {
            count = checked(count * d);
        }
        return checked(count * type.ItemSize());
    }

    /// <summary>One model input.</summary>
    /// <param name="DataType">The model's element type.</param>
    /// <param name="Batched">Whether instances are stacked along a first batch dimension.</param>
    /// <param name="ItemShape">One instance's shape (without the batch dimension); -1 for dynamic dimensions.</param>
    /// <param name="SlotBytes">One instance's byte size; -1 when the shape is dynamic or the type has items.</param>
    internal sealed record InputSlot(DataType DataType, bool Batched, long[] ItemShape, long SlotBytes);
}
