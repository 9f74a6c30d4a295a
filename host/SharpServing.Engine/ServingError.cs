namespace SharpServing.Engine;

/// <summary>An error as it goes on the wire: a code and an exact text.</summary>
public sealed record ServingError(ErrorCode Code, string Message);
