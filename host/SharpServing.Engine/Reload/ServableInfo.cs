namespace SharpServing.Engine.Reload;

/// <summary>A servable as the status endpoint shows it: its version policy and its versions.</summary>
public sealed record ServableInfo(string Name, string VersionPolicy, IReadOnlyList<ServableVersionInfo> Versions);
