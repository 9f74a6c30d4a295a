namespace SharpServing.Engine.Loading;

/// <summary>A compiled <c>servable_config.csx</c>: the assembly and its portable PDB, plus compiler warnings (texts).</summary>
internal sealed record CompiledScript(byte[] Assembly, byte[]? Pdb, IReadOnlyList<string> Warnings, bool FromCache);
