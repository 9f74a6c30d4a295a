namespace SharpServing.Engine;

/// <summary>How far the runtime rewrites a graph when a session opens (ONNX Runtime's levels, same values).</summary>
public enum ModelOptimizationLevel
{
    None = 0,
    Basic = 1,
    Extended = 2,
    All = 99,
}
