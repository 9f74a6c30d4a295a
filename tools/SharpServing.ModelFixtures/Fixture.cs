namespace SharpServing.ModelFixtures;

/// <summary>A named model of the catalog.</summary>
/// <param name="Name">The CLI name, e.g. <c>add</c>.</param>
/// <param name="Description">What the model computes and its I/O.</param>
/// <param name="Create">Builds the serialized model.</param>
public sealed record Fixture(string Name, string Description, Func<byte[]> Create)
{
    /// <summary>Builds the model and writes it to <paramref name="path"/>.</summary>
    public void WriteTo(string path) => ModelFixtures.WriteTo(path, Create());
}
