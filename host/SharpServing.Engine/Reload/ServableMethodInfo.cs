namespace SharpServing.Engine.Reload;

/// <summary>A registered method: its name, input names and output names, in order.</summary>
public sealed record ServableMethodInfo(string Name, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);
