namespace SharpServing.Engine.Isolation;

/// <summary>A version loaded by a worker: its number, its methods (names, inputs and outputs; the stages stay in the worker)
/// and the worker.</summary>
public sealed record IsolatedVersion(long Number, string Directory, IReadOnlyList<MethodDefinition> Methods, IVersionProcess Process);
