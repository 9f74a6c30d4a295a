using System.Diagnostics.CodeAnalysis;

namespace SharpServing.Engine;

/// <summary>The servable versions that currently take traffic. The dispatcher resolves every request through it.</summary>
public interface IServableCatalog
{
    /// <summary>
    /// Finds a published version. <paramref name="version"/> 0 means the highest loaded version of that name.
    /// False when the name or that version is not loaded.
    /// </summary>
    bool TryGetVersion(string servable, ulong version, [NotNullWhen(true)] out ServableVersion? servableVersion);

    /// <summary>Whether at least one version of <paramref name="servable"/> is published.</summary>
    bool Contains(string servable);

    /// <summary>
    /// For a version that <see cref="TryGetVersion"/> did not find: loads it when the catalog loads versions on demand
    /// (lazy loading) and it is one to serve, waiting at most the load limit; null when it is not one to serve, or its
    /// load failed or took longer. The default loads nothing.
    /// </summary>
    ValueTask<ServableVersion?> LoadOnDemandAsync(string servable, ulong version, CancellationToken cancellationToken)
        => ValueTask.FromResult<ServableVersion?>(null);
}
