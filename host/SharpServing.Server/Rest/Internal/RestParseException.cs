namespace SharpServing.Server.Rest.Internal;

/// <summary>
/// A request JSON that is well-formed but not a valid prediction request. The message is the specification's text
/// without the <c>Parser request failed, </c> prefix, which the handler adds.
/// </summary>
internal sealed class RestParseException : Exception
{
    public RestParseException(string message)
        : base(message)
    {
    }

    public RestParseException()
    {
    }

    public RestParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
