namespace SharpServing;

/// <summary>What a method body returns: its output placeholders, converted implicitly from one placeholder or a tuple.</summary>
public readonly struct Outputs
{
    private readonly Placeholder[]? _values;

    /// <summary>Creates the outputs from placeholders, in order.</summary>
    public Outputs(params Placeholder[] values) => _values = values ?? throw new ArgumentNullException(nameof(values));

    /// <summary>The output placeholders in order.</summary>
    public IReadOnlyList<Placeholder> Values => _values ?? [];

#pragma warning disable CA2225 // Implicit conversions are the point: lambdas return placeholders or tuples.
    public static implicit operator Outputs(Placeholder value) => new(value);

    public static implicit operator Outputs(StageOutputs value) => new([.. value]);

    public static implicit operator Outputs(Placeholder[] values) => new(values);

    public static implicit operator Outputs((Placeholder, Placeholder) t) => new(t.Item1, t.Item2);

    public static implicit operator Outputs((Placeholder, Placeholder, Placeholder) t) => new(t.Item1, t.Item2, t.Item3);

    public static implicit operator Outputs((Placeholder, Placeholder, Placeholder, Placeholder) t)
        => new(t.Item1, t.Item2, t.Item3, t.Item4);

    public static implicit operator Outputs((Placeholder, Placeholder, Placeholder, Placeholder, Placeholder) t)
        => new(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5);

    public static implicit operator Outputs((Placeholder, Placeholder, Placeholder, Placeholder, Placeholder, Placeholder) t)
        => new(t.Item1, t.Item2, t.Item3, t.Item4, t.Item5, t.Item6);
#pragma warning restore CA2225
}
