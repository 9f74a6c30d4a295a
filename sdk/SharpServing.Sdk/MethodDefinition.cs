namespace SharpServing;

/// <summary>A registered method: its name, input names (in order), output names, its stages in order, and where each
/// output comes from. Immutable; built once when the configuration runs.</summary>
public sealed record MethodDefinition(
    string Name,
    IReadOnlyList<string> Inputs,
    IReadOnlyList<string> Outputs,
    IReadOnlyList<StageDefinition> Stages,
    IReadOnlyList<StageInput> OutputSources)
{
    /// <summary>
    /// The time limit of one request of this method, given at registration (<c>timeout:</c>); null: the server's default
    /// request time limit applies. The server's start configuration may set another limit for the method, which wins.
    /// </summary>
    public TimeSpan? Timeout { get; init; }
}
