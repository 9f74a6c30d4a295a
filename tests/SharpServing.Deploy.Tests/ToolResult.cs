namespace SharpServing.Deploy.Tests;

/// <summary>What a finished tool printed, and its exit code.</summary>
internal sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}
