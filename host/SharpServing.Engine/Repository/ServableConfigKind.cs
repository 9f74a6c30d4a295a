namespace SharpServing.Engine.Repository;

/// <summary>How a servable declares its models and methods.</summary>
public enum ServableConfigKind
{
    /// <summary>A <c>servable_config.csx</c> C# script.</summary>
    Script,

    /// <summary>A compiled plugin: <c>plugin/&lt;Name&gt;.dll</c> with a class implementing <see cref="IServableConfigurator"/>.</summary>
    Plugin,
}
