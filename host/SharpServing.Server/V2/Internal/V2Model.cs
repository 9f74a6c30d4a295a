using SharpServing.Engine;

namespace SharpServing.Server.V2.Internal;

/// <summary>A model name resolved: the servable version and method it is, and the version number the request asked for (0: newest).</summary>
internal sealed record V2Model(string Name, ServableVersion Version, MethodDefinition Method, ulong RequestedVersion)
{
    public string Servable => Version.Name;
}
