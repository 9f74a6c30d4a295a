using System.Diagnostics;

namespace SharpServing.Sdk.Tests;

/// <summary>Runs a script with Debian's Python (which sees python3-numpy), with a timeout.</summary>
internal static class Python
{
    public static string Run(string script, string workingDirectory, int timeoutMs = 60_000)
    {
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-");
        using var process = Process.Start(start)!;
        process.StandardInput.Write(script);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("python3 did not finish in time.");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"python3 failed ({process.ExitCode}): {stderr.Result}\n{stdout.Result}");
        }
        return stdout.Result;
    }
}
