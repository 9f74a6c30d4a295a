namespace SharpServing.ModelFixtures;

/// <summary>
/// <c>dotnet run --project tools/SharpServing.ModelFixtures -- list</c> prints the catalog;
/// <c>... -- NAME OUT.onnx</c> writes one model (e.g. <c>add servables/add/1/tensor_add.onnx</c>).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args is ["list"])
        {
            var width = ModelFixtures.Catalog.Max(f => f.Name.Length);
            foreach (var fixture in ModelFixtures.Catalog)
            {
                Console.WriteLine($"{fixture.Name.PadRight(width)}  {fixture.Description}");
            }
            return 0;
        }
        if (args is [var name, var path])
        {
            if (ModelFixtures.Find(name) is not { } fixture)
            {
                Console.Error.WriteLine($"Unknown model '{name}'. 'list' shows the names.");
                return 2;
            }
            fixture.WriteTo(path);
            Console.WriteLine($"Wrote {fixture.Name} to {path}.");
            return 0;
        }
        Console.Error.WriteLine("Usage: SharpServing.ModelFixtures list | SharpServing.ModelFixtures NAME OUT.onnx");
        return 2;
    }
}
