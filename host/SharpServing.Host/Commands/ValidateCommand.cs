using SharpServing.Engine.Configuration;
using SharpServing.Engine.Repository;
using SharpServing.OnnxRuntime;

namespace SharpServing.Host.Commands;

/// <summary>
/// <c>sharpserving validate</c>: loads a servable folder exactly as the server would (compiles the script or loads the
/// plugin, opens the models) and prints its methods and model signatures, or its errors.
/// </summary>
internal static class ValidateCommand
{
    private const string Help = """
        Usage: sharpserving validate SERVABLE_FOLDER [--version N] [--dec-key-file FILE] [--dec-mode MODE]

        Prints each method with its input and output names and stages, and each model with its signature.
        Exit code 0 when the servable loads, 3 when it does not (the errors are printed).
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = CommandLineArguments.Parse(args, new HashSet<string> { "version", "dec-key-file", "dec-mode" }, new HashSet<string>());
        if (parsed.Help)
        {
            Console.Out.WriteLine(Help);
            return ExitCodes.Success;
        }
        if (parsed.Positionals.Count != 1)
        {
            throw new UsageException("validate needs one SERVABLE_FOLDER");
        }
        var folder = Path.GetFullPath(parsed.Positionals[0].TrimEnd('/'));
        var start = new ServableStartConfig(Path.GetDirectoryName(folder)!, Path.GetFileName(folder));
        if (parsed.Int("version") is { } version)
        {
            start.VersionNumber = version;
        }
        if (parsed.Value("dec-key-file") is { } keyFile)
        {
            start.DecKey = File.ReadAllBytes(keyFile);
        }
        if (parsed.Value("dec-mode") is { } mode)
        {
            start.DecMode = ServableStartConfig.ParseDecMode(mode);
        }
        var configuration = new ServingConfiguration { UseCompileCache = false };
        configuration.Servables.Add(start);
        await using var manager = new ServableManager(configuration, OrtModelRuntime.Instance);
        var statuses = await manager.StartAsync(CancellationToken.None);
        var failed = statuses.Where(s => s.State == ServableVersionState.Failed).ToList();
        foreach (var failure in failed)
        {
            Console.Error.WriteLine($"servable {failure.Servable}: {failure.Error}");
        }
        foreach (var servableVersion in manager.Versions)
        {
            Console.Out.WriteLine($"servable {servableVersion.Name} version {servableVersion.Number} ({servableVersion.Directory})");
            foreach (var model in servableVersion.Models)
            {
                Console.Out.WriteLine($"  model {model.Model.Key} (batch dim: {(model.Model.WithBatchDim ? "yes" : "no")})");
                for (var i = 0; i < model.Signatures.Count; i++)
                {
                    var signature = model.Signatures[i];
                    var prefix = model.Signatures.Count > 1 ? $"    subgraph {i}: " : "    ";
                    Console.Out.WriteLine(prefix + "inputs  " + string.Join(", ", signature.Inputs.Select(Format)));
                    Console.Out.WriteLine(prefix + "outputs " + string.Join(", ", signature.Outputs.Select(Format)));
                }
            }
            foreach (var method in servableVersion.Methods.Values)
            {
                Console.Out.WriteLine($"  method {method.Name}({string.Join(", ", method.Inputs)}) -> {string.Join(", ", method.Outputs)}");
                foreach (var stage in method.Stages)
                {
                    var what = stage switch
                    {
                        FunctionStage f => $"function {f.FunctionName}" + (f.BatchSize is { } b ? $" (batched, batch size {b})" : ""),
                        ModelStage m => $"model {m.Model.Key}" + (m.Subgraph > 0 ? $" subgraph {m.Subgraph}" : ""),
                        _ => stage.GetType().Name,
                    };
                    var tag = stage.Tag is null ? "" : $" [{stage.Tag}]";
                    Console.Out.WriteLine($"    stage {stage.Index}: {what}{tag}, {stage.Inputs.Count} inputs, {stage.OutputsCount} outputs");
                }
            }
        }
        return failed.Count == 0 && manager.Versions.Count > 0 ? ExitCodes.Success : ExitCodes.Configuration;
    }

    private static string Format(TensorSpec spec) => $"{spec.Name}: {spec.DataType}{Tensor.FormatShape([.. spec.Shape])}";
}
