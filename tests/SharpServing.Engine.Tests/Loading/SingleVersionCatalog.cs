using System.Diagnostics.CodeAnalysis;

namespace SharpServing.Engine.Tests.Loading;

/// <summary>A catalog holding one version, to run requests against a version loaded without a manager.</summary>
internal sealed class SingleVersionCatalog(ServableVersion version) : IServableCatalog
{
    public bool Contains(string servable) => servable == version.Name;

    public bool TryGetVersion(string servable, ulong number, [NotNullWhen(true)] out ServableVersion? servableVersion)
    {
        servableVersion = servable == version.Name && (number == 0 || number == (ulong)version.Number) ? version : null;
        return servableVersion is not null;
    }
}
