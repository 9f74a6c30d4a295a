using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;

namespace SharpServing.OnnxRuntime;

/// <summary>
/// A failure reported by ONNX Runtime (its error code and message), or a failure to load the native library. The
/// engine sees it as a <see cref="ModelRuntimeException"/>.
/// </summary>
public sealed class OrtException : ModelRuntimeException
{
    public OrtException()
        : this(OrtErrorCode.Fail, "ONNX Runtime failed.")
    {
    }

    public OrtException(string message)
        : this(OrtErrorCode.Fail, message)
    {
    }

    public OrtException(string message, Exception innerException)
        : this(OrtErrorCode.Fail, message, innerException)
    {
    }

    public OrtException(OrtErrorCode code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>Wraps the package's exception: same message, and the code it carries in its <c>[ErrorCode:Name]</c> prefix.</summary>
    internal OrtException(OnnxRuntimeException exception)
        : this(CodeOf(exception.Message), exception.Message, exception)
    {
    }

    /// <summary>ORT's error code (<see cref="OrtErrorCode.Fail"/> for failures outside ORT, such as a missing library).</summary>
    public OrtErrorCode Code { get; }

    private static OrtErrorCode CodeOf(string message)
        => Regex.Match(message, @"^\[ErrorCode:(\w+)\]") is { Success: true } match && Enum.TryParse<OrtErrorCode>(match.Groups[1].Value, out var code)
            ? code
            : OrtErrorCode.Fail;
}
