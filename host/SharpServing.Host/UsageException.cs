namespace SharpServing.Host;

/// <summary>The command line is wrong: the message says how; the exit code is <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException(string message) : Exception(message);
