namespace SharpServing;

/// <summary>A registered method: its name, input names (in order), output names, its stages in order, and where each
/// output comes from. Immutable; built once when the configuration runs.</summary>
public sealed record MethodDefinition(
    string Name,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyList<StageDefinition> Stages,
    IReadOnlyList<StageInput> OutputSources);
