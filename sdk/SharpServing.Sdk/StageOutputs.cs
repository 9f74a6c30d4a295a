using System.Collections;

namespace SharpServing;

/// <summary>The outputs of an added stage: one placeholder per output. Converts to a <see cref="Placeholder"/> when there
/// is exactly one, and deconstructs into several: <c>var (a, b) = AddStage(f, x1, x2, outputsCount: 2);</c></summary>
public sealed class StageOutputs : IReadOnlyList<Placeholder>
{
    private readonly Placeholder[] _outputs;

    internal StageOutputs(Placeholder[] outputs) => _outputs = outputs;

    /// <inheritdoc />
    public Placeholder this[int index] => _outputs[index];

    /// <inheritdoc />
    public int Count => _outputs.Length;

#pragma warning disable CA2225 // The conversion is the natural reading of a one-output stage.
    /// <summary>The single output of a one-output stage.</summary>
    public static implicit operator Placeholder(StageOutputs outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (outputs._outputs.Length != 1)
        {
            throw new ServableConfigurationException(
                $"The stage has {outputs._outputs.Length} outputs; use deconstruction or an index instead of a single placeholder.");
        }
        return outputs._outputs[0];
    }
#pragma warning restore CA2225

    public void Deconstruct(out Placeholder o1, out Placeholder o2)
    {
        Expect(2);
        (o1, o2) = (_outputs[0], _outputs[1]);
    }

    public void Deconstruct(out Placeholder o1, out Placeholder o2, out Placeholder o3)
    {
        Expect(3);
        (o1, o2, o3) = (_outputs[0], _outputs[1], _outputs[2]);
    }

    public void Deconstruct(out Placeholder o1, out Placeholder o2, out Placeholder o3, out Placeholder o4)
    {
        Expect(4);
        (o1, o2, o3, o4) = (_outputs[0], _outputs[1], _outputs[2], _outputs[3]);
    }

    public void Deconstruct(out Placeholder o1, out Placeholder o2, out Placeholder o3, out Placeholder o4, out Placeholder o5)
    {
        Expect(5);
        (o1, o2, o3, o4, o5) = (_outputs[0], _outputs[1], _outputs[2], _outputs[3], _outputs[4]);
    }

    /// <inheritdoc />
    public IEnumerator<Placeholder> GetEnumerator() => ((IEnumerable<Placeholder>)_outputs).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void Expect(int count)
    {
        if (_outputs.Length != count)
        {
            throw new ServableConfigurationException($"The stage has {_outputs.Length} outputs, deconstructed into {count}.");
        }
    }
}
