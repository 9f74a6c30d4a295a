namespace SharpServing.OnnxRuntime.Tests;

/// <summary>
/// Entry point for child processes of <see cref="LibraryLoadingTests"/>: library resolution happens once per process,
/// so each case needs a fresh one. <c>probe</c> opens the environment and prints its version, or the exception type,
/// ORT error code and message.
/// </summary>
public static class Probe
{
    public static int Main(string[] args)
    {
        if (args is not ["probe"])
        {
            Console.Error.WriteLine("usage: SharpServing.OnnxRuntime.Tests probe");
            return 2;
        }
        try
        {
            Console.WriteLine("version " + OrtEnvironment.Shared.Version);
            return 0;
        }
        catch (OrtException e)
        {
            Console.WriteLine($"OrtException {e.Code}: {e.Message}");
            return 1;
        }
    }
}
