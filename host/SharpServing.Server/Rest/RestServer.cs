using System.Net;
using Microsoft.AspNetCore.Builder;
using SharpServing.Server.Hosting;

namespace SharpServing.Server.Rest;

/// <summary>A running RESTful server (see <see cref="RestServerHost"/>). Disposing it stops it.</summary>
public sealed class RestServer : StartedListener
{
    internal RestServer(WebApplication app, string address, EndPoint localEndPoint)
        : base(app, address, localEndPoint)
    {
    }
}
