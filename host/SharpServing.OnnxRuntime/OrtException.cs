namespace SharpServing.OnnxRuntime;

/// <summary>
/// A failure reported by ONNX Runtime (its error code and message), or a failure to load or use the native library.
/// The only exception type the binding throws besides argument, disposal and cancellation exceptions.
/// </summary>
public sealed class OrtException : Exception
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

    public OrtException(OrtErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    public OrtException(OrtErrorCode code, string message, Exception? innerException)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>ORT's error code (<see cref="OrtErrorCode.Fail"/> for failures outside ORT, such as a missing library).</summary>
    public OrtErrorCode Code { get; }
}
