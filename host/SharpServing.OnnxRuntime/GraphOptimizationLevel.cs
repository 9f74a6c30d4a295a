namespace SharpServing.OnnxRuntime;

/// <summary>How far ONNX Runtime rewrites a graph when a session opens (ORT's <c>GraphOptimizationLevel</c>, same values).</summary>
public enum GraphOptimizationLevel
{
    None = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}
