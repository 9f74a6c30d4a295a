using SharpServing.Engine.Configuration;
using SharpServing.Engine.Loading;

namespace SharpServing.Host.Commands;

/// <summary><c>sharpserving encrypt</c>: writes an encrypted copy of a model file (format: docs/model-encryption.md).</summary>
internal static class EncryptCommand
{
    private const string Help = """
        Usage: sharpserving encrypt --key-file FILE [--mode AES-GCM|AES-CBC] MODEL OUTPUT

          --key-file FILE   the key: a file of exactly 16, 24 or 32 raw bytes (e.g. head -c 32 /dev/urandom > model.key)
          --mode MODE       AES-GCM (default, authenticated) or AES-CBC
        Serve the encrypted model with: sharpserving serve --servable NAME --dec-key-file FILE [--dec-mode MODE]
        """;

    public static int Run(string[] args)
    {
        var parsed = CommandLineArguments.Parse(args, new HashSet<string> { "key-file", "mode" }, new HashSet<string>());
        if (parsed.Help)
        {
            Console.Out.WriteLine(Help);
            return ExitCodes.Success;
        }
        if (parsed.Positionals.Count != 2)
        {
            throw new UsageException("encrypt needs MODEL and OUTPUT");
        }
        var keyFile = parsed.Value("key-file") ?? throw new UsageException("encrypt needs --key-file");
        var mode = ServableStartConfig.ParseDecMode(parsed.Value("mode"));
        var key = File.ReadAllBytes(keyFile);
        try
        {
            var encrypted = ModelCrypto.Encrypt(File.ReadAllBytes(parsed.Positionals[0]), key, mode);
            var output = parsed.Positionals[1];
            File.WriteAllBytes(output + ".part", encrypted);
            File.Move(output + ".part", output, overwrite: true);
            Console.Out.WriteLine($"encrypted {parsed.Positionals[0]} → {output} ({ServableStartConfig.FormatDecMode(mode)}, {encrypted.Length} bytes)");
            return ExitCodes.Success;
        }
        finally
        {
            Array.Clear(key);
        }
    }
}
