namespace SharpServing.Engine.Execution;

/// <summary>The exact error texts of request execution (compatibility specification, section 4.5).</summary>
internal static class ExecutionErrors
{
    /// <summary><c>servable(&lt;name&gt;) method(&lt;method&gt;)</c>, plus <c>  version(&lt;v&gt;)</c> when a version was asked for.</summary>
    /// <remarks>Names are the client's: they are quoted short (<see cref="ErrorQuote"/>), like every echo of the request.</remarks>
    public static string Spec(string servable, string method, ulong version)
        => version == 0
            ? $"servable({ErrorQuote.Text(servable)}) method({ErrorQuote.Text(method)})"
            : $"servable({ErrorQuote.Text(servable)}) method({ErrorQuote.Text(method)})  version({version})";

    public static ServingError ServableNotAvailable(string spec, ErrorCode code = ErrorCode.InvalidInputs)
        => new(code, $"Request {spec} , servable is not available");

    public static ServingError MethodNotAvailable(string spec) => new(ErrorCode.InvalidInputs, $"Request {spec} , method is not available");

    public static ServingError ZeroInstances(string servable, string method)
        => new(ErrorCode.InvalidInputs, $"Instances count of request cannot be 0, servable: {ErrorQuote.Text(servable)}, method: {ErrorQuote.Text(method)}");

    public static ServingError InputMissing(string input, string servable, string method)
        => new(ErrorCode.InvalidInputs, $"Cannot find input {input} in instance input , servable {ErrorQuote.Text(servable)}, method {ErrorQuote.Text(method)}");

    public static ServingError InputInvalid(string input, string detail)
        => new(ErrorCode.InvalidInputs, $"Instances input {ErrorQuote.Text(input)} check failed, detail: {detail}");

    public static ServingError QueueFull(int limit) => new(ErrorCode.Failed, $"Serving Error: enqueued requests count exceeds the limit {limit}");

    public static string ModelInputSize(int input, long given, long expected)
        => $"Given model input {input} size {given} not match the size {expected} defined in model";

    public static string ModelInputType(int input, DataType given, DataType expected)
        => $"Given model input {input} data type {given.InternalName()} not match the data type {expected.InternalName()} defined in model";

    /// <summary>A request that passed its method's time limit (ours; MindSpore Serving has no such limit).</summary>
    public static ServingError TimeLimitExceeded(string spec, TimeSpan limit)
        => new(ErrorCode.SystemError, $"Request {spec} , the method did not finish within its time limit of {(long)limit.TotalMilliseconds} ms");

    public static ServingError StageFailure(string tag, string method, int stage, string message)
        => new(ErrorCode.SystemError, $"Call {tag} Failed, method: '{method}', stage index(begin with 1): {stage}, error msg: {message}");
}
