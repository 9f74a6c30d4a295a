using System.Buffers.Binary;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Proto = SharpServing.Protocol;

namespace SharpServing.ClientTests;

/// <summary>
/// Kestrel on 127.0.0.1:0 (HTTP/2 only) answering Predict by hand, the way a faulty server or intermediary might; the
/// behaviour is picked by the request's servable name. Shared by the tests of a class.
/// </summary>
public sealed class RawServer : IAsyncLifetime
{
    private WebApplication? _app;

    public string Address { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync().WaitAsync(TestServer.StartStopTimeout);
        var bound = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        Address = $"127.0.0.1:{bound.Port}";
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().WaitAsync(TestServer.StartStopTimeout);
            await _app.DisposeAsync();
        }
    }

    private static async Task HandleAsync(HttpContext context)
    {
        var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var request = Proto.PredictRequest.Parser.ParseFrom(body.GetBuffer().AsSpan(5, (int)body.Length - 5));
        var response = context.Response;
        var reply = new Proto.PredictReply { ServableSpec = request.ServableSpec };
        reply.ErrorMsg.Add(new Proto.ErrorMsg { ErrorCode = 2, ErrorMsg_ = ByteString.CopyFromUtf8("raw reply") });
        switch (request.ServableSpec.Name)
        {
            case "ok":
                // Echo the headers and the message prefix (compressed flag, length) through the error text.
                reply.ErrorMsg[0].ErrorMsg_ = ByteString.CopyFromUtf8(
                    $"te={context.Request.Headers.TE}; content-type={context.Request.ContentType}; path={context.Request.Path}; "
                    + $"prefix={body.GetBuffer()[0]},{BinaryPrimitives.ReadUInt32BigEndian(body.GetBuffer().AsSpan(1))},{body.Length - 5}; "
                    + $"grpc-timeout={context.Request.Headers["grpc-timeout"]}");
                await WriteReplyAsync(response, Frame(reply.ToByteArray()), status: "0");
                break;
            case "http404":
                response.StatusCode = 404;
                break;
            case "trailers-only":
                response.ContentType = "application/grpc";
                response.Headers["grpc-status"] = "5";
                response.Headers["grpc-message"] = "no%20such%20thing%20%E2%9C%93";
                break;
            case "trailers-only-ok":
                response.ContentType = "application/grpc";
                response.Headers["grpc-status"] = "0";
                break;
            case "text-plain":
                response.ContentType = "text/plain";
                await response.WriteAsync("hello");
                break;
            case "no-status":
                response.ContentType = "application/grpc";
                await response.Body.WriteAsync(Frame(reply.ToByteArray()));
                break;
            case "connection":
                reply.ErrorMsg[0].ErrorMsg_ = ByteString.CopyFromUtf8(context.Connection.Id);
                await WriteReplyAsync(response, Frame(reply.ToByteArray()), status: "0");
                break;
            case "message":
                // The method name is the grpc-message as it goes on the wire.
                await WriteReplyAsync(response, [], status: "3", message: request.ServableSpec.MethodName);
                break;
            case "error-status":
                await WriteReplyAsync(response, Frame(reply.ToByteArray()), status: "13", message: "boom%21");
                break;
            case "no-message":
                await WriteReplyAsync(response, [], status: "0");
                break;
            case "two-messages":
                await WriteReplyAsync(response, [.. Frame(reply.ToByteArray()), .. Frame(reply.ToByteArray())], status: "0");
                break;
            case "compressed":
                var compressed = Frame(reply.ToByteArray());
                compressed[0] = 1;
                await WriteReplyAsync(response, compressed, status: "0");
                break;
            case "garbage":
                await WriteReplyAsync(response, Frame([0xFF, 0xFF, 0xFF]), status: "0");
                break;
            case "huge":
                // A length prefix over the client's 512 MiB limit; the client must give up without reading on.
                var header = new byte[5];
                BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), 600u * 1024 * 1024);
                response.ContentType = "application/grpc";
                await response.Body.WriteAsync(header);
                await response.Body.FlushAsync();
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
                break;
            case "truncated":
                await WriteReplyAsync(response, Frame(reply.ToByteArray())[..^2], status: "0");
                break;
            case "reset":
                response.ContentType = "application/grpc";
                await response.Body.FlushAsync();
                context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResetFeature>()!.Reset(0x8);
                break;
            default:
                throw new InvalidOperationException($"no behaviour {request.ServableSpec.Name}");
        }
    }

    private static async Task WriteReplyAsync(HttpResponse response, byte[] body, string status, string? message = null)
    {
        response.ContentType = "application/grpc";
        await response.Body.WriteAsync(body);
        response.AppendTrailer("grpc-status", status);
        if (message is not null)
        {
            response.AppendTrailer("grpc-message", message);
        }
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }
}
