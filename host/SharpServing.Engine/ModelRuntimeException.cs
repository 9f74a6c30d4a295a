namespace SharpServing.Engine;

/// <summary>
/// A failure reported by the model runtime: a model it cannot load, inputs it rejects, a run that fails, a device it
/// cannot use. The message is the runtime's own text. Runtime adapters derive their own type from it to add detail
/// (ONNX Runtime's error code).
/// </summary>
public class ModelRuntimeException : Exception
{
    public ModelRuntimeException()
        : this("The model runtime failed.")
    {
    }

    public ModelRuntimeException(string message)
        : base(message)
    {
    }

    public ModelRuntimeException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
