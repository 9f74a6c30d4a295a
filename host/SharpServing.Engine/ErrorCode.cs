namespace SharpServing.Engine;

/// <summary>Error codes of a reply's <c>error_msg</c> entries (MindSpore Serving's codes).</summary>
public enum ErrorCode
{
    /// <summary>Per-instance success entry.</summary>
    Success = 0,
    /// <summary>Queue limit exceeded.</summary>
    Failed = 1,
    /// <summary>Unknown servable/version/method, zero instances, missing input, malformed tensor, model size/dtype mismatch.</summary>
    InvalidInputs = 2,
    /// <summary>A stage (function or model) failed.</summary>
    SystemError = 3,
    /// <summary>The servable is being stopped while the request is pending.</summary>
    WorkerUnavailable = 4,
    /// <summary>The servable exists but no executor is alive.</summary>
    ServableUnavailable = 5,
}
