namespace SharpServing.Benchmark;

/// <summary>A bad command line: the message is printed with a hint to <c>--help</c>, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
