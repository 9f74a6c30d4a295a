namespace SharpServing;

/// <summary>
/// The entry point of a compiled plugin servable: a public class with a parameterless constructor that declares models
/// and registers methods, exactly as a <c>servable_config.csx</c> script does.
/// </summary>
public interface IServableConfigurator
{
    /// <summary>Declares models and registers methods on <paramref name="servable"/>.</summary>
    void Configure(ServableBuilder servable);
}
