namespace SharpServing.Engine.Loading;

/// <summary>
/// A servable version could not be loaded: missing folder or config, compile error, configuration error, model load
/// failure. The message is the startup error text (MindSpore Serving's where it has one). Carries text only: nothing
/// of the failed version's load context (exceptions thrown by its code are flattened to text), so it can unload.
/// </summary>
public sealed class ServableLoadException : Exception
{
    public ServableLoadException()
    {
        Servable = "";
    }

    public ServableLoadException(string message)
        : base(message)
    {
        Servable = "";
    }

    public ServableLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
        Servable = "";
    }

    /// <summary>A failure of <paramref name="servable"/> (version <paramref name="version"/>; 0 when not yet known).</summary>
    public ServableLoadException(string servable, long version, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Servable = servable;
        Version = version;
    }

    /// <summary>The servable's name.</summary>
    public string Servable { get; }

    /// <summary>The version being loaded; 0 when the failure came before a version was chosen.</summary>
    public long Version { get; }
}
