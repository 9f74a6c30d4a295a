using System.Net;
using System.Text;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using SharpServing.Server.Grpc;
using Wire = SharpServing.Protocol;

namespace SharpServing.Benchmark;

/// <summary>
/// The transport's floor: Kestrel with the server's own settings answering every request with a canned reply, and no
/// engine behind it. Three endpoints on loopback:
/// <list type="bullet">
/// <item><c>kestrel-grpc</c>: HTTP/2 (h2c); the request body is drained, a prebuilt framed PredictReply and
/// <c>grpc-status: 0</c> trailers go back. What any gRPC server on Kestrel must at least cost.</item>
/// <item><c>grpc-layer</c>: HTTP/2 through Grpc.AspNetCore with the server's gRPC and Kestrel settings (framing, limits,
/// deadlines, status), parsing the PredictRequest and serializing the canned PredictReply. The server's gRPC path minus
/// mapping and engine.</item>
/// <item><c>kestrel-rest</c>: HTTP/1.1; the body is drained, the canned JSON reply goes back.</item>
/// </list>
/// </summary>
internal sealed class FloorServer : IAsyncDisposable
{
    public const string ReadyLine = "floor listening";
    private readonly WebApplication _app;

    private FloorServer(WebApplication app) => _app = app;

    /// <summary>The canned replies for add.add_common with <paramref name="instances"/> instances: y = [[2, 4], [6, 8]].</summary>
    public static (Wire.PredictReply Message, byte[] Json) AddReply(int instances)
    {
        var data = new[] { 2f, 4f, 6f, 8f };
        var tensor = new Wire.Tensor
        {
            Dtype = Wire.DataType.MsFloat32,
            Shape = new Wire.TensorShape { Dims = { 2, 2 } },
            Data = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan())),
        };
        var reply = new Wire.PredictReply { ServableSpec = new Wire.ServableSpec { Name = "add", MethodName = "add_common" } };
        for (var i = 0; i < instances; i++)
        {
            var instance = new Wire.Instance();
            instance.Items.Add("y", tensor);
            reply.Instances.Add(instance);
        }
        var json = "{\"instances\":[" + string.Join(",", Enumerable.Repeat("{\"y\":[[2.0,4.0],[6.0,8.0]]}", instances)) + "]}";
        return (reply, Encoding.UTF8.GetBytes(json));
    }

    public static async Task<FloorServer> StartAsync(int grpcPort, int layerPort, int restPort, int instances, CancellationToken cancellationToken)
    {
        var (reply, restReply) = AddReply(instances);
        var framedReply = GrpcWire.Frame(reply);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(new CannedPredictService(reply));
        builder.Services.AddGrpc(options => GrpcServerHost.ConfigureGrpc(options, GrpcServerHost.DefaultMaxMsgMbSize * 1024 * 1024));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            GrpcServerHost.ConfigureKestrel(kestrel);
            kestrel.Listen(IPAddress.Loopback, grpcPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, layerPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.Listen(IPAddress.Loopback, restPort, listen => listen.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        // The layer port goes on to the gRPC endpoint; the other two answer here.
        app.Use((context, next) => context.Connection.LocalPort switch
        {
            var p when p == layerPort => next(context),
            var p when p == grpcPort => CannedGrpcAsync(context, framedReply),
            _ => CannedRestAsync(context, restReply),
        });
        app.MapGrpcService<CannedPredictService>();
        await app.StartAsync(cancellationToken);
        return new FloorServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private static async Task CannedGrpcAsync(HttpContext context, byte[] framedReply)
    {
        await DrainAsync(context);
        var response = context.Response;
        response.ContentType = "application/grpc";
        response.AppendTrailer("grpc-status", "0");
        await response.BodyWriter.WriteAsync(framedReply, context.RequestAborted);
    }

    private static async Task CannedRestAsync(HttpContext context, byte[] json)
    {
        await DrainAsync(context);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = json.Length;
        await context.Response.BodyWriter.WriteAsync(json, context.RequestAborted);
    }

    private static async Task DrainAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return;
            }
        }
    }

    /// <summary>Predict answering every request with the canned reply.</summary>
    private sealed class CannedPredictService(Wire.PredictReply reply) : Wire.MSService.MSServiceBase
    {
        public override Task<Wire.PredictReply> Predict(Wire.PredictRequest request, ServerCallContext context) => Task.FromResult(reply);
    }
}
