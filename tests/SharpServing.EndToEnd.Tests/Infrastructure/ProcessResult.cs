namespace SharpServing.EndToEnd.Tests.Infrastructure;

/// <summary>How a finished tool process ended.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}";
}
