namespace SharpServing.OnnxRuntime;

/// <summary>Severity threshold of ONNX Runtime's own log (ORT's <c>OrtLoggingLevel</c>, same numbering).</summary>
public enum OrtLogLevel
{
    Verbose = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}
