using SharpServing.Engine.Reload;
using SharpServing.Engine.Repository;

namespace SharpServing.Server.V2.Internal;

/// <summary>One row of the repository index.</summary>
internal sealed record V2RepositoryEntry(string Name, string Version, string State, string Reason);

/// <summary>
/// The model repository extension on the control API's operations: the index lists every servable version and its
/// models; load reloads a model's servable from its folder (<c>POST /v1/servables/&lt;name&gt;/reload</c>); unload
/// unpublishes every loaded version of it (<c>:unload</c>, only with watching off).
/// </summary>
internal sealed class V2Repository(ReloadCoordinator coordinator)
{
    public IReadOnlyList<V2RepositoryEntry> Index(bool readyOnly)
    {
        var entries = new List<V2RepositoryEntry>();
        foreach (var servable in coordinator.GetServables())
        {
            foreach (var version in servable.Versions)
            {
                var state = version.State switch
                {
                    ServableVersionState.Available => "READY",
                    ServableVersionState.Loading => "LOADING",
                    ServableVersionState.Unloading => "UNLOADING",
                    _ => "UNAVAILABLE",
                };
                if (readyOnly && state != "READY")
                {
                    continue;
                }
                var number = version.Version.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var reason = version.Error ?? "";
                if (version.Methods.Count == 0)
                {
                    entries.Add(new V2RepositoryEntry(servable.Name, number, state, reason));
                }
                foreach (var method in version.Methods)
                {
                    entries.Add(new V2RepositoryEntry($"{servable.Name}.{method.Name}", number, state, reason));
                }
                if (version.Methods.Count == 1)
                {
                    entries.Add(new V2RepositoryEntry(servable.Name, number, state, reason));
                }
            }
        }
        return entries;
    }

    public async Task LoadAsync(string model, CancellationToken cancellationToken)
    {
        var servable = ServableOf(model);
        var result = await coordinator.ReloadAsync(servable, cancellationToken)
            ?? throw new V2Exception(V2Status.NotFound, $"servable '{servable}' is not known");
        if (result.Failures.Count > 0)
        {
            throw new V2Exception(V2Status.BadRequest, result.Failures[0].Error ?? $"servable '{servable}' failed to load");
        }
    }

    public async Task UnloadAsync(string model, CancellationToken cancellationToken)
    {
        var servable = ServableOf(model);
        var info = coordinator.GetServable(servable) ?? throw new V2Exception(V2Status.NotFound, $"servable '{servable}' is not known");
        try
        {
            foreach (var version in info.Versions.Where(v => v.State == ServableVersionState.Available))
            {
                await coordinator.UnloadVersionAsync(servable, version.Version, cancellationToken);
            }
        }
        catch (InvalidOperationException e)
        {
            throw new V2Exception(V2Status.BadRequest, e.Message);
        }
    }

    // A model name is a servable name, or a servable name and a method after the last dot.
    private string ServableOf(string model)
    {
        if (coordinator.GetServable(model) is not null)
        {
            return model;
        }
        var dot = model.LastIndexOf('.');
        return dot > 0 ? model[..dot] : model;
    }
}
