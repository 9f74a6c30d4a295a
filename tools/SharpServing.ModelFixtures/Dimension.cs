namespace SharpServing.ModelFixtures;

/// <summary>One dimension of a declared input or output: a fixed size, a symbolic name (<c>"batch"</c>), or unknown.</summary>
public readonly record struct Dimension
{
    private Dimension(long? value, string? param)
    {
        Value = value;
        Param = param;
    }

    /// <summary>The fixed size, or null for a symbolic or unknown dimension.</summary>
    public long? Value { get; }

    /// <summary>The symbolic name, or null.</summary>
    public string? Param { get; }

    /// <summary>A dimension with neither size nor name.</summary>
    public static Dimension Unknown => default;

    public static Dimension Fixed(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        return new(value, null);
    }

    public static Dimension Symbolic(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new(null, name);
    }

    public static implicit operator Dimension(long value) => Fixed(value);

    public static implicit operator Dimension(int value) => Fixed(value);

    public static implicit operator Dimension(string name) => Symbolic(name);

    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Param ?? "?";
}
