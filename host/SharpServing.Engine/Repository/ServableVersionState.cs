namespace SharpServing.Engine.Repository;

/// <summary>Where a servable version is in its life.</summary>
public enum ServableVersionState
{
    /// <summary>Being loaded (compiling, opening sessions); takes no traffic yet.</summary>
    Loading,

    /// <summary>Published: takes traffic.</summary>
    Available,

    /// <summary>Unpublished, draining its pending requests before it is disposed and unloaded.</summary>
    Unloading,

    /// <summary>Could not be loaded; <see cref="ServableVersionStatus.Error"/> says why.</summary>
    Failed,

    /// <summary>Found but not loaded (lazy loading: not requested yet, or unloaded to make room under the memory budget;
    /// <see cref="ServableVersionStatus.UnloadReason"/> says which). The next request for it loads it.</summary>
    Unloaded,
}
