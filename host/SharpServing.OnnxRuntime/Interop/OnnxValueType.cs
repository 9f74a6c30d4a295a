namespace SharpServing.OnnxRuntime.Interop;

/// <summary>Kinds of ORT values (<c>ONNXType</c> in the C API).</summary>
internal enum OnnxValueType
{
    Unknown = 0,
    Tensor = 1,
    Sequence = 2,
    Map = 3,
    Opaque = 4,
    SparseTensor = 5,
    Optional = 6,
}
