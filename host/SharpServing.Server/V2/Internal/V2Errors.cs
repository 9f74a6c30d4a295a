using SharpServing.Engine;

namespace SharpServing.Server.V2.Internal;

/// <summary>The texts of the Open Inference Protocol front ends: MindSpore Serving's where one applies, ours otherwise.</summary>
internal static class V2Errors
{
    private const string ServableNotAvailableSuffix = " , servable is not available";
    private const string MethodNotAvailableSuffix = " , method is not available";

    public static string Spec(string servable, string method, ulong version)
        => version == 0 ? $"servable({servable}) method({method})" : $"servable({servable}) method({method})  version({version})";

    public static V2Exception ServableNotAvailable(string servable, string method, ulong version)
        => new(V2Status.NotFound, $"Request {Spec(servable, method, version)}{ServableNotAvailableSuffix}");

    public static V2Exception MethodNotAvailable(string servable, string method, ulong version)
        => new(V2Status.NotFound, $"Request {Spec(servable, method, version)}{MethodNotAvailableSuffix}");

    public static V2Exception BadVersion(string model, string version)
        => new(V2Status.NotFound, $"model '{model}' has no version '{version}': a version is a positive integer");

    public static V2Exception DuplicateInput(string name) => new(V2Status.BadRequest, $"input '{name}' is given more than once");

    public static V2Exception UnknownOutput(string model, string name) => new(V2Status.BadRequest, $"model '{model}' has no output '{name}'");

    public static string UnsupportedDataType(string? datatype) => $"Tensor check failed: input data type {datatype} invalid";

    /// <summary>The class of an engine error, by its code and, for an unknown name, its text.</summary>
    public static V2Exception FromServingError(ServingError error) => new(StatusOf(error), error.Message);

    public static V2Status StatusOf(ServingError error) => error.Code switch
    {
        ErrorCode.InvalidInputs when error.Message.EndsWith(ServableNotAvailableSuffix, StringComparison.Ordinal)
            || error.Message.EndsWith(MethodNotAvailableSuffix, StringComparison.Ordinal) => V2Status.NotFound,
        ErrorCode.InvalidInputs => V2Status.BadRequest,
        ErrorCode.SystemError => V2Status.Internal,
        _ => V2Status.Unavailable,
    };
}
