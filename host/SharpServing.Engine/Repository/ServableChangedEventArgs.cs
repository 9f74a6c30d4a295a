namespace SharpServing.Engine.Repository;

/// <summary>Names the servable whose published versions or statuses changed (<see cref="ServableManager.Changed"/>).</summary>
public sealed class ServableChangedEventArgs(string servable) : EventArgs
{
    /// <summary>The servable's name.</summary>
    public string Servable { get; } = servable;
}
