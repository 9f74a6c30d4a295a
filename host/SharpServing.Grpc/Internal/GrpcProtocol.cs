using Microsoft.Extensions.Primitives;

namespace SharpServing.Grpc.Internal;

/// <summary>Header names and values of the gRPC-over-HTTP/2 protocol.</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string ContentTypeProto = "application/grpc+proto";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string AcceptedEncodings = "identity,gzip";
    public const int HeaderSize = 5;

    /// <summary>Header values made once, so that setting them allocates nothing.</summary>
    public static readonly StringValues ContentTypeValue = ContentType;
    public static readonly StringValues ContentTypeProtoValue = ContentTypeProto;
    public static readonly StringValues AcceptedEncodingsValue = AcceptedEncodings;
    private static readonly StringValues[] s_statusValues = CreateStatusValues();

    /// <summary>The <c>grpc-status</c> value of a status, from a table for the defined codes.</summary>
    public static StringValues StatusValue(GrpcStatusCode status)
        => (uint)status < (uint)s_statusValues.Length
            ? s_statusValues[(int)status]
            : ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static StringValues[] CreateStatusValues()
    {
        var values = new StringValues[(int)GrpcStatusCode.Unauthenticated + 1];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return values;
    }

    /// <summary>
    /// The reply content type for a request content type, or null when the request is not gRPC with protobuf.
    /// <c>application/grpc</c> and <c>application/grpc+proto</c> (parameters allowed) are accepted.
    /// </summary>
    public static string? ReplyContentType(string? requestContentType, out bool isGrpc)
    {
        isGrpc = false;
        if (requestContentType is null || !requestContentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var rest = requestContentType.AsSpan(ContentType.Length);
        var semicolon = rest.IndexOf(';');
        var subtype = (semicolon >= 0 ? rest[..semicolon] : rest).Trim();
        if (subtype.Length == 0)
        {
            isGrpc = true;
            return ContentType;
        }
        if (subtype[0] != '+')
        {
            // e.g. application/grpcfoo: not gRPC at all.
            return null;
        }
        isGrpc = true;
        return subtype.Equals("+proto", StringComparison.OrdinalIgnoreCase) ? ContentTypeProto : null;
    }
}
