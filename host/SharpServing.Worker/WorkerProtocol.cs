namespace SharpServing.Worker;

/// <summary>The lines a worker writes on its standard output for the server, and how the server names a worker's exit.</summary>
public static class WorkerProtocol
{
    /// <summary>The worker serves: its socket listens and its version is loaded (and warmed up).</summary>
    public const string ReadyLine = "sharpserving-worker-ready";

    /// <summary>Prefix of the line that carries the worker's load error (a JSON string) before it exits with status 3.</summary>
    public const string ErrorPrefix = "sharpserving-worker-error: ";

    /// <summary>The environment variable that carries a model decryption key (hex) to the worker, never its command line.</summary>
    public const string DecKeyVariable = "SHARPSERVING_WORKER_DEC_KEY";

    /// <summary>"exited with status 3", or "was killed by signal 9 (SIGKILL)" for .NET's 128+signal exit codes.</summary>
    public static string DescribeExit(int exitCode) => exitCode switch
    {
        > 128 and < 160 => $"was killed by signal {exitCode - 128}{SignalName(exitCode - 128)}",
        _ => $"exited with status {exitCode}",
    };

    private static string SignalName(int signal) => signal switch
    {
        6 => " (SIGABRT)",
        9 => " (SIGKILL)",
        11 => " (SIGSEGV)",
        15 => " (SIGTERM)",
        _ => "",
    };
}
