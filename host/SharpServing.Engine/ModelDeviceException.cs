namespace SharpServing.Engine;

/// <summary>
/// The runtime cannot place a model on the device asked for: no such device, its driver or libraries are missing, or
/// the runtime was built without support for it. The message names what is missing.
/// </summary>
public sealed class ModelDeviceException : ModelRuntimeException
{
    public ModelDeviceException()
        : this("The model runtime cannot use the device.")
    {
    }

    public ModelDeviceException(string message)
        : base(message)
    {
    }

    public ModelDeviceException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
