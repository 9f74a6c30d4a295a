using SharpServing.Engine.Repository;

namespace SharpServing.Engine.Reload;

/// <summary>What one reload of a servable did: the versions it loaded (published, possibly replacing the same number),
/// the versions it unloaded, and the loads that failed (each with its reason; what served before still serves).</summary>
public sealed record ReloadResult(string Servable, IReadOnlyList<long> Loaded, IReadOnlyList<long> Unloaded, IReadOnlyList<ServableVersionStatus> Failures);
