namespace SharpServing.Server.Rest.Internal;

/// <summary>What a RESTful URL names: the servable, its version (0 = latest) and the method.</summary>
internal sealed record RestRoute(string Servable, ulong Version, string Method);
