namespace SharpServing;

/// <summary>
/// Stands for a value while a method's body is traced: a method input or one output of an earlier stage. No data
/// flows through placeholders; they only record the graph.
/// </summary>
public sealed class Placeholder
{
    internal Placeholder(object method, StageInput source)
    {
        Method = method;
        Source = source;
    }

    /// <summary>Where the value comes from: stage 0 is the method's inputs, stages 1..n are the added stages.</summary>
    public StageInput Source { get; }

    /// <summary>The method trace this placeholder belongs to (placeholders do not cross methods).</summary>
    internal object Method { get; }

    /// <inheritdoc />
    public override string ToString() => Source.Stage == 0 ? $"input {Source.Output}" : $"stage {Source.Stage} output {Source.Output}";
}
