namespace SharpServing;

/// <summary>A reference to a value in a method graph: output <paramref name="Output"/> of stage <paramref name="Stage"/>
/// (stage 0 = the method inputs, in declaration order).</summary>
public readonly record struct StageInput(int Stage, int Output);
