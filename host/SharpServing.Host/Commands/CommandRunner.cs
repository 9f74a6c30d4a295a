using SharpServing.Engine.Configuration;
using SharpServing.Server.Hosting;

namespace SharpServing.Host.Commands;

/// <summary>Dispatches <c>sharpserving &lt;command&gt;</c> and turns failures into messages and exit codes.</summary>
internal static class CommandRunner
{
    public const string Usage = """
        sharpserving — a model server for .NET, wire-compatible with MindSpore Serving.

        Usage: sharpserving <command> [options]

        Commands:
          serve      load servables and serve them over gRPC and REST (the default of ./serve.sh)
          infer      call a method of a running server and print or save the results
          validate   compile a servable folder and print its methods and model signatures, or its errors
          encrypt    encrypt a model file for serving with a decryption key

        Run 'sharpserving <command> --help' for the options of a command.
        Exit codes: 0 success, 1 the server answered with an error, 2 usage error,
                    3 configuration or startup error, 4 the server could not be reached.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.WriteLine(Usage);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Success;
        }
        var rest = args[1..];
        try
        {
            return args[0] switch
            {
                "serve" => await ServeCommand.RunAsync(rest),
                "infer" => await InferCommand.RunAsync(rest),
                "validate" => await ValidateCommand.RunAsync(rest),
                "encrypt" => EncryptCommand.Run(rest),
                // Hidden: started by serve for servables isolated in worker processes.
                "worker" => await WorkerCommand.RunAsync(rest),
                _ => throw new UsageException($"unknown command '{args[0]}'"),
            };
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"sharpserving: {ex.Message}");
            Console.Error.WriteLine("Run 'sharpserving --help' for usage.");
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (ex is ServingConfigurationException or ServerStartException or ArgumentException)
        {
            Console.Error.WriteLine(ex.Message);
            return ExitCodes.Configuration;
        }
    }
}
