namespace SharpServing.Server.V2;

/// <summary>The outcome classes of an Open Inference Protocol call; REST sends the HTTP status, gRPC the matching code.</summary>
public enum V2Status
{
    /// <summary>HTTP 400, gRPC INVALID_ARGUMENT: the request is malformed or does not fit the model.</summary>
    BadRequest = 400,
    /// <summary>HTTP 403, gRPC PERMISSION_DENIED: the operation needs credentials the call does not carry.</summary>
    Forbidden = 403,
    /// <summary>HTTP 404, gRPC NOT_FOUND: no such model or version.</summary>
    NotFound = 404,
    /// <summary>HTTP 405 (REST only): the path does not answer that HTTP method.</summary>
    MethodNotAllowed = 405,
    /// <summary>HTTP 500, gRPC INTERNAL: a stage of the method failed or ran past its time limit.</summary>
    Internal = 500,
    /// <summary>HTTP 503, gRPC UNAVAILABLE: the model is stopping, restarting or its queue is full.</summary>
    Unavailable = 503,
}
