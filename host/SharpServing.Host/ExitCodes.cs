namespace SharpServing.Host;

/// <summary>Exit codes scripts can rely on.</summary>
internal static class ExitCodes
{
    /// <summary>Success: served until stopped, inferred with every instance answered, validated, encrypted.</summary>
    public const int Success = 0;

    /// <summary>The request was answered with an error (request-wide or for some instance).</summary>
    public const int InferenceError = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>The configuration is invalid or the server could not start (bad setting, address in use, servable error).</summary>
    public const int Configuration = 3;

    /// <summary>The server could not be reached or the transport failed.</summary>
    public const int Transport = 4;
}
