namespace SharpServing.Server.Hosting;

/// <summary>
/// A server (gRPC or RESTful) could not start: bad address, bad TLS files, bind failure, bad limit. The message is the
/// exact text of the compatibility specification (section 5), e.g.
/// <c>Serving Error: Serving gRPC server start failed, create server failed, address 127.0.0.1:5500</c>.
/// </summary>
public sealed class ServerStartException : Exception
{
    public ServerStartException()
    {
    }

    public ServerStartException(string message)
        : base(message)
    {
    }

    public ServerStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
